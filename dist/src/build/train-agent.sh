#!/usr/bin/env bash
# train-agent.sh JDK VMESH_JAR RUNTIME AGENT_JAR AOT_OUT
# Writes AOT_OUT, the vmesh-agent package's AOT cache (JDK 25: -XX:AOTCacheOutput), trained on a real start of
# the agent: a vmesh server (VMESH_JAR on JDK) on loopback with 100 ServiceEntries and a WorkloadGroup, and
# the agent (AGENT_JAR on RUNTIME, run by the package's launcher with its default flags) onboarded to it,
# until the agent has its certificate, its first name table and its first probe result; the agent then stops
# and the JVM writes the cache. So the cache holds what the agent's start loads and links: TLS, gRPC, Netty,
# protobuf, the DNS proxy, the prober, not only the command line. Ports are the kernel's choice (port 0), the
# files in a temporary directory that is removed; nothing is left running. Exits non-zero (and says why) when
# the start does not get that far within TIMEOUT seconds [120]; runtime.sh then falls back to `agent --help`.
set -euo pipefail
jdk="$1"
vmesh_jar="$2"
runtime="$3"
agent_jar="$4"
aot="$5"
timeout="${TIMEOUT:-120}"
here="$(cd "$(dirname "$0")/.." && pwd)" # dist/src

w="$(mktemp -d "${TMPDIR:-/tmp}/vmesh-aot-training.XXXXXX")"
server="" agent=""
cleanup() {
  for p in $agent $server; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$w"
}
trap cleanup EXIT
fail() {
  echo "train-agent.sh: $1; logs:" >&2
  tail -n 20 "$w/server.log" "$w/agent.log" >&2 2>/dev/null || true
  exit 1
}
deadline=$((SECONDS + timeout))
wait_for() { # wait_for WHAT TEST...
  local what="$1"
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "no $what after ${timeout}s"
    [ -z "$agent" ] || kill -0 "$agent" 2>/dev/null || fail "the agent exited before its $what"
    kill -0 "$server" 2>/dev/null || fail "the server exited"
    sleep 0.1
  done
}

# The mesh: the VM's group (its probe finds a closed port: a probe result either way) and 100 names.
mkdir -p "$w/mesh"
cat > "$w/mesh/group.yaml" <<'EOF'
apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: trainer, namespace: vm}
spec:
  metadata:
    labels: {app: trainer}
  template:
    serviceAccount: trainer
    ports: {http: 8080}
  probe:
    periodSeconds: 5
    httpGet: {path: /ready, port: 1}
EOF
awk 'BEGIN {
  for (i = 0; i < 100; i++) {
    printf "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: svc%d, namespace: ns%d}\n", i, i % 5
    printf "spec:\n  hosts: [svc%d.ns%d.example.internal]\n  addresses: [10.96.0.%d]\n", i, i % 5, i + 1
    printf "  ports: [{number: 80, name: http, protocol: HTTP}]\n  location: MESH_INTERNAL\n  resolution: STATIC\n"
    printf "  endpoints: [{address: 10.200.0.%d}]\n---\n", i + 1
  }}' > "$w/mesh/services.yaml"

java=("$jdk/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -XX:+UseSerialGC)
"${java[@]}" -jar "$vmesh_jar" server --config "$w/mesh" --data-dir "$w/data" --http-address 127.0.0.1:0 \
  --xds-address 127.0.0.1:0 > "$w/server.log" 2>&1 &
server=$!
wait_for "server start" grep -q 'event=server_started' "$w/server.log"
started="$(grep -m1 'event=server_started' "$w/server.log")"
http_port="$(echo "$started" | sed -n 's/.* http=[^ ]*:\([0-9]*\) .*/\1/p')"
xds_port="$(echo "$started" | sed -n 's/.* xds=[^0-9]*[0-9.]*:\([0-9]*\).*/\1/p')"
[ -n "$http_port" ] && [ -n "$xds_port" ] || fail "no ports in: $started"
"${java[@]}" -jar "$vmesh_jar" workload entry configure --name trainer -n vm --autoregister \
  --internal-ip 127.0.0.1 -o "$w/vm" --discovery-address "127.0.0.1:$xds_port" \
  --server "http://127.0.0.1:$http_port" --token-file "$w/data/admin-token" > "$w/configure.log" 2>&1 \
  || fail "workload entry configure failed: $(cat "$w/configure.log")"

# The agent as the package runs it: the launcher, the runtime and the jar in the package's layout.
mkdir -p "$w/prefix/bin" "$w/prefix/lib/vmesh" "$w/prefix/share/vmesh" "$w/etc"
cp "$here/bin/vmesh" "$w/prefix/bin/vmesh"
ln -s "$runtime" "$w/prefix/lib/vmesh/runtime"
cp -p "$agent_jar" "$w/prefix/share/vmesh/vmesh-agent.jar"
env -u JAVA_HOME VMESH_JVM_OPTIONS_DIR="$w/etc" \
  VMESH_JAVA_OPTS="-XX:AOTCacheOutput=$aot -Xlog:aot=off -Xlog:cds=off" \
  "$w/prefix/bin/vmesh" agent --config-dir "$w/vm" --state-dir "$w/state" --run-dir "$w/run" \
  --status-address 127.0.0.1:0 --readiness-address 127.0.0.1:0 --dns on --dns-listen 127.0.0.1:0 --drain 0s \
  > "$w/agent.log" 2>&1 &
agent=$!
wait_for "certificate" test -s "$w/state/certs/cert-chain.pem"
wait_for "name table" test -s "$w/state/dns/name-table.json"
wait_for "probe result" grep -q 'event=workload_health' "$w/agent.log"
kill -TERM "$agent"
wait "$agent" || true # the JVM writes the cache as it exits
agent=""
[ -s "$aot" ] || fail "the agent stopped without writing $aot"
