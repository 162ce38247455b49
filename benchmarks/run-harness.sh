#!/usr/bin/env bash
# What run-echo.sh and run-examples.sh share: `run-harness.sh MAIN_CLASS [--no-build] [harness options]`
# builds the benchmarks and examples jars (unless --no-build), then runs MAIN_CLASS from the benchmarks
# jar with the remaining options, on the JDK at JAVA_HOME, else `java` on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

main="$1"
shift
build=1
args=()
for arg in "$@"; do
  if [[ "$arg" == "--no-build" ]]; then build=0; else args+=("$arg"); fi
done

if [[ -n "${JAVA_HOME:-}" ]]; then java="$JAVA_HOME/bin/java"; else java=java; fi

if (( build )); then
  echo "building benchmarks and examples (skip with --no-build)..." >&2
  mvn -B -q -DskipTests package -pl benchmarks,examples -am
fi

exec "$java" -cp benchmarks/target/jmio-benchmarks.jar "$main" ${args[@]+"${args[@]}"}
