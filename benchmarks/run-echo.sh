#!/usr/bin/env bash
# The echo comparison (issue 8) in one command: builds the benchmarks and examples jars, then runs
# io.jmio.benchmarks.echo.harness.EchoHarness, which compiles the C parts with gcc, runs every server
# pinned to CPU 0 against the load generator on CPU 1, and writes benchmarks/results/echo-<date>.md
# and .csv (and, in the default mode, docs/echo-ratios.png and README.md's results block).
#
#   benchmarks/run-echo.sh            # full run, under 10 minutes: 3 rounds, 4 scenarios, all servers
#   benchmarks/run-echo.sh --quick    # under 2 minutes: 1 round, shorter windows, no chart
#   benchmarks/run-echo.sh --no-build --servers c,nio,netty --scenarios 50x64 --rounds 5
#   benchmarks/run-echo.sh --lines    # line echo: jmio StreamReader/Writer, Netty, Ktor line servers
#   benchmarks/run-echo.sh --help     # every option
#
# Needs Linux, 2+ CPUs, gcc and taskset (util-linux). Uses the JDK on JAVA_HOME, else `java` on the
# PATH, for the harness and every JVM server. Run it on a quiet machine: other work on CPU 0 or 1
# shows up in the figures.
exec "$(dirname "$0")/run-harness.sh" io.jmio.benchmarks.echo.harness.EchoHarness "$@"
