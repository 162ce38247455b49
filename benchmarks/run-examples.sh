#!/usr/bin/env bash
# The examples comparison (issues 6 and 8) in one command: builds the jars (the benchmarks jar carries
# the examples and the Netty hello server, and every JVM server runs from it), then runs
# io.jmio.benchmarks.examples.ExamplesHarness:
# the kv example against redis-server under redis-benchmark, the http example (core and coroutines
# APIs) against Netty's epoll hello server under wrk, and wrk through the proxy example against wrk
# direct. Every server is pinned to CPU 0, every client to CPU 1. Writes
# benchmarks/results/examples-<date>.md and .csv (and, in the default mode, README.md's results block).
#
#   benchmarks/run-examples.sh            # full run, under 10 minutes: 3 rounds, all suites and tests
#   benchmarks/run-examples.sh --quick    # under 2 minutes: 1 round, shorter windows, README untouched
#   benchmarks/run-examples.sh --no-build --suites kv --kv-tests set,get --pipelines 16 --rounds 5
#   benchmarks/run-examples.sh --help     # every option
#
# Needs Linux, 2+ CPUs, taskset (util-linux), redis-server and redis-benchmark (Debian redis-server,
# redis-tools) and wrk. Uses the JDK on JAVA_HOME, else `java` on the PATH, for the harness and every
# JVM server. Run it on a quiet machine: other work on CPU 0 or 1 shows up in the figures.
exec "$(dirname "$0")/run-harness.sh" io.jmio.benchmarks.examples.ExamplesHarness "$@"
