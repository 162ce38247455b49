#!/usr/bin/env bash
# Builds and runs syscall_loop.c, the C reference for BackendCallBenchmark. Pass a CPU number to pin
# it (taskset), as the JMH run should be for a fair comparison.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$(mktemp -d)/syscall-loop"
trap 'rm -rf "$(dirname "$binary")"' EXIT
cc -O2 -o "$binary" "$here/syscall_loop.c"
if [ $# -gt 0 ]; then exec_prefix=(taskset -c "$1"); else exec_prefix=(); fi
"${exec_prefix[@]}" "$binary"
