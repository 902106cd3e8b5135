#!/usr/bin/env bash
# Registration throughput and fan-out latency (performance.md S5) with one server on the embedded store
# and with REPLICAS servers sharing a real etcd, one after the other in one run, same load.
# Results: docs/benchmarks.md, "Replicas on etcd against one server".
#
#   bench/registrations/replicas.sh                     # REPLICAS=3, RATES=100,250,500,1000
#   REPLICAS=3 RATES=250,500 bench/registrations/replicas.sh
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
JAVA=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}
REPLICAS=${REPLICAS:-3}
RATES=${RATES:-100,250,500,1000}
command -v etcd >/dev/null || { echo "replicas.sh: etcd not found (apt-get install -y etcd-server)" >&2; exit 1; }
[ -f "$here/bench/target/benchmarks.jar" ] || { echo "replicas.sh: build first: ./mvnw -B -q -DskipTests package" >&2; exit 1; }
cd "$here"
for n in 1 "$REPLICAS"; do
  echo "### $n server(s)$([ "$n" -gt 1 ] && echo ' on etcd' || echo ', embedded store')"
  "$JAVA" -Dbench.replicas="$n" -Dbench.phases=A -Dbench.rates="$RATES" -Dbench.warmupVms=2000 \
    -cp bench/target/benchmarks.jar dev.vmesh.bench.xds.Registrations 2>&1 | grep -v '^WARNING'
done
