#!/usr/bin/env bash
# Runs the xDS fan-out bench (dev.vmesh.bench.xds.FanOut) against several servers in one go, rounds
# alternating which server goes first, and prints one summary line per run (docs/benchmarks.md).
#
#   ./mvnw -B -q -DskipTests package
#   bench/xds/fanout-peers.sh                                  # vmesh and java-control-plane, debounce 10 and 0
#   OLD_JAR=/tmp/old/bench/target/benchmarks.jar bench/xds/fanout-peers.sh   # and an older vmesh build
#   ROUNDS=5 DEBOUNCES="10" ARGS="1000 10 1000 120 500 %d 10 20" bench/xds/fanout-peers.sh
#
# ARGS are FanOut's arguments with %d where the debounce goes. Raw output lands in $OUT (a temp dir).
set -euo pipefail
cd "$(dirname "$0")/../.."
JAVA="${JAVA:-$(bin/find-java)/bin/java}"
JAR="${JAR:-bench/target/benchmarks.jar}"
ROUNDS="${ROUNDS:-3}"
DEBOUNCES="${DEBOUNCES:-10 0}"
ARGS="${ARGS:-1000 10 1000 120 500 %d 10 20}"
OUT="${OUT:-$(mktemp -d /tmp/fanout-peers.XXXXXX)}"
mkdir -p "$OUT"
[ -f "$JAR" ] || { echo "no $JAR: build it first with ./mvnw -B -q -DskipTests package" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || true

# name|java properties; java-control-plane has no debounce, so it runs once per round
servers=("vmesh|")
[ -n "${OLD_JAR:-}" ] && servers+=("vmesh-old|-Dbench.serverClasspath=$OLD_JAR")
servers+=("java-control-plane|-Dbench.server=java-control-plane")

summary() { # file -> every p50 p99 | one p50 | floor p50 p99 | cpu per change
  awk -F'|' '
    /change -> every client/ {e50=$3; e99=$4}
    /change -> one client/ {o50=$3}
    /transport floor:/ {f50=$3; f99=$4}
    /transport floor with ACKs/ {a50=$3}
    /^\| xDS floor:/ {x50=$3}
    /server CPU per change/ {match($0, /server CPU per change: [0-9.]+/); cpu=substr($0, RSTART+23, RLENGTH-23)}
    /changes complete/ {match($0, /complete: [0-9]+\/[0-9]+/); done=substr($0, RSTART+10, RLENGTH-10)}
    END {gsub(/ /, "", e50); gsub(/ /, "", e99); gsub(/ /, "", o50); gsub(/ /, "", f50); gsub(/ /, "", f99); gsub(/ /, "", a50); gsub(/ /, "", x50);
         printf "every p50 %s p99 %s | one p50 %s | floor p50 %s p99 %s | ratio %.2f | acked floor p50 %s ratio %.2f | xds floor p50 %s ratio %.2f | cpu/change %s ms | complete %s\n",
                e50, e99, o50, f50, f99, (f50 > 0 ? e50 / f50 : 0), (a50 == "" ? "n/a" : a50), (a50 > 0 ? e50 / a50 : 0),
                (x50 == "" ? "n/a" : x50), (x50 > 0 ? e50 / x50 : 0), cpu, done}' "$1"
}

for round in $(seq 1 "$ROUNDS"); do
  n=${#servers[@]}
  for i in $(seq 0 $((n - 1))); do
    entry="${servers[$(( (i + round - 1) % n ))]}"
    name="${entry%%|*}"; props="${entry#*|}"
    for d in $DEBOUNCES; do
      [ "$name" = java-control-plane ] && [ "$d" != "$(echo $DEBOUNCES | cut -d' ' -f1)" ] && continue
      label="$name"; [ "$name" = java-control-plane ] || label="$name debounce=${d}ms"
      file="$OUT/r$round-$name-d$d.txt"
      # shellcheck disable=SC2086,SC2059
      "$JAVA" $props -cp "$JAR" dev.vmesh.bench.xds.FanOut $(printf "$ARGS" "$d") > "$file" 2>&1
      echo "round $round | $label | $(summary "$file")"
    done
  done
done
echo "raw output: $OUT"
