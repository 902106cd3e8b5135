#!/usr/bin/env bash
# The first request with SERVICES services (bench/sidecar/run.sh with LATENCY=0), two builds side by side:
# runs alternate A, B, A, B ... ROUNDS times each (A first in odd rounds, B first in even ones), each under
# the bench lock, and prints every run's split and the medians per build. A build is a directory holding
# vmesh.jar and vmesh-agent_*.deb (copy them from dist/target after ./mvnw -B -q -DskipTests package).
#
#   sudo bench/sidecar/first-request-ab.sh /tmp/old /tmp/new
#   ROUNDS=5 SERVICES=1000 LOCK=/work/helpers/bench.lock bench/sidecar/first-request-ab.sh /tmp/old /tmp/new
#
# Environment: ROUNDS [5]  SERVICES [1000]  LOCK [none: no lock]; the rest goes to run.sh.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
[ $# = 2 ] || { echo "usage: $0 BUILD_A BUILD_B (directories with vmesh.jar and vmesh-agent_*.deb)" >&2; exit 2; }
ROUNDS=${ROUNDS:-5}
SERVICES=${SERVICES:-1000}
LOCK=${LOCK:-}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
run() { # label dir
  local deb; deb=$(ls "$2"/vmesh-agent_*.deb | head -1)
  local cmd=(env LATENCY=0 SERVICES="$SERVICES" VMESH_JAR="$2/vmesh.jar" AGENT_DEB="$deb" "$here/bench/sidecar/run.sh")
  [ -n "$LOCK" ] && cmd=(flock "$LOCK" "${cmd[@]}")
  local line; line=$("${cmd[@]}" 2>&1 | grep '^first request served' || true)
  echo "$1 $line" | tee -a "$out"
}
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then run A "$1"; run B "$2"; else run B "$2"; run A "$1"; fi
done
python3 - "$out" <<'EOF'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, rest = line.split(" ", 1)
    m = re.search(r"served: (\d+) ms", rest)
    if not m:
        continue
    parts = {"first request": int(m.group(1))}
    for key in ("first log line", "Envoy started", "certificate on disk", "Envoy ready"):
        k = re.search(key + r" (\d+) ms", rest)
        if k:
            parts[key] = int(k.group(1))
    if "certificate on disk" in parts and "Envoy ready" in parts:
        parts["cert -> ready"] = parts["Envoy ready"] - parts["certificate on disk"]
    rows.setdefault(label, []).append(parts)
keys = ["first log line", "Envoy started", "certificate on disk", "Envoy ready", "cert -> ready", "first request"]
print("median (ms)".ljust(22) + "".join(k.rjust(22) for k in keys))
for label in sorted(rows):
    cells = []
    for k in keys:
        vals = [r[k] for r in rows[label] if k in r]
        cells.append(f"{statistics.median(vals):.0f} (n={len(vals)})" if vals else "-")
    print(label.ljust(22) + "".join(c.rjust(22) for c in cells))
EOF
