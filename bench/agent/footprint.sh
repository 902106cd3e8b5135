#!/usr/bin/env bash
# Agent footprint and start: a vmesh server on loopback serving NAMES ServiceEntries (the agent's DNS name
# table), one agent from the vmesh-agent package (unpacked, run by its launcher: bundled runtime, default
# JVM flags, AOT cache) with its readiness probe and DNS proxy on. Usage and results: docs/benchmarks.md,
# section "Agent footprint and start".
#
#   bench/agent/footprint.sh              # after ./mvnw -B -q -DskipTests package
#   NAMES=1000 SETTLE=60 bench/agent/footprint.sh
#
# Prints: the time from launching the agent to (1) its first log line (JVM start and command line parsed),
# (2) its certificate on disk (CreateCertificate answered), (3) the first mesh name answered by its DNS
# proxy (the first NDS response applied), and when its log lines say it started, started the DNS proxy, got
# its certificate and connected to xDS; how long `vmesh version` takes (the JVM alone); then, after SETTLE seconds, the agent's RSS (VmRSS, VmHWM) and,
# with NMT=1 (native memory tracking on, which itself costs a few MB), jcmd's split of it; with CLASSES=1,
# the classes the agent loaded by library (-Xlog:class+load; "shared" = from the AOT cache); with SMAPS=1, its
# resident memory by mapping (libjvm.so, the AOT cache, anonymous memory: heap, metaspace, code, stacks, malloc),
# each split into anonymous and file-backed. Runs as any
# user; loopback only.
#
# Environment: NAMES [1000]  SETTLE [60] seconds  HTTP_PORT [25014]  XDS_PORT [25012]  VM_IP [127.0.0.3]
#   JAVA [$JAVA_HOME/bin/java, else bin/find-java's] (for the server)  VMESH_JAR [dist/target/vmesh.jar]
#   AGENT_DEB [dist/target/vmesh-agent_*.deb]  AGENT_JAVA_OPTS [none] extra flags for the agent  NMT [0]
#   AGENT_JAR [the package's] another agent jar (e.g. agent-cli/target/vmesh-agent.jar of another build) run
#     by the package's launcher and runtime; the package's AOT cache is then not used (it fits its own jar)
#   CLASSES [0]  SMAPS [0]  WORKDIR [a new temporary directory]  KEEP [0]
#   AOT_OUT [none] a training run: the agent runs without the package's AOT cache until its first mesh name,
#     then is stopped, and the JVM writes an AOT cache trained on that start to AOT_OUT (-XX:AOTCacheOutput)
#   AOT_CACHE [none] run the agent with this AOT cache (e.g. AOT_OUT's) instead of the package's
#   WARM_SERVER [0] 1 = another agent (VM WARM_IP [127.0.0.4]) gets its certificate and names first, so the
#     measured start meets a server that has served a VM before
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
NAMES=${NAMES:-1000}
SETTLE=${SETTLE:-60}
HTTP_PORT=${HTTP_PORT:-25014}
XDS_PORT=${XDS_PORT:-25012}
VM_IP=${VM_IP:-127.0.0.3}
WARM_IP=${WARM_IP:-127.0.0.4}
JAVA=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/java}}
JAVA=${JAVA:-$("$here/bin/find-java")/bin/java} # the server needs 21+; the default java may be older
VMESH_JAR=${VMESH_JAR:-$here/dist/target/vmesh.jar}
AGENT_DEB=${AGENT_DEB:-$(ls "$here"/dist/target/vmesh-agent_*.deb 2>/dev/null | head -1)}
KEEP=${KEEP:-0}
W=${WORKDIR:-$(mktemp -d /tmp/vmesh-agentbench.XXXXXX)}
[ -f "$VMESH_JAR" ] && [ -f "$AGENT_DEB" ] || { echo "footprint.sh: build first: ./mvnw -B -q -DskipTests package" >&2; exit 1; }

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

# --- mesh: NAMES ServiceEntries (DNS hosts with addresses) and the example group python-http (probe 9090) ---
mkdir -p "$W/mesh"
cp "$here/examples/mesh/python-http.yaml" "$W/mesh/"
awk -v n="$NAMES" 'BEGIN {
  for (i = 0; i < n; i++) {
    printf "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: svc%d, namespace: ns%d}\n", i, i % 20
    printf "spec:\n  hosts: [svc%d.ns%d.example.internal]\n  addresses: [10.%d.%d.%d]\n", i, i % 20, 96 + int(i / 62500), int(i / 250) % 250, i % 250 + 1
    printf "  ports: [{number: 80, name: http, protocol: HTTP}]\n  location: MESH_INTERNAL\n  resolution: STATIC\n"
    printf "  endpoints: [{address: 10.200.%d.%d}]\n---\n", int(i / 250), i % 250 + 1
  }}' > "$W/mesh/services.yaml"

vmesh() { "$JAVA" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -jar "$VMESH_JAR" "$@"; }
"$JAVA" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -jar "$VMESH_JAR" \
  server --config "$W/mesh" --data-dir "$W/data" --http-address "127.0.0.1:$HTTP_PORT" \
  --xds-address "127.0.0.1:$XDS_PORT" > "$W/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1500); do [ -f "$W/data/admin-token" ] && curl -sf "127.0.0.1:$HTTP_PORT/ready" >/dev/null && break; sleep 0.2; done
python3 -m http.server 9090 --bind "$VM_IP" > /dev/null 2>&1 &
pids+=($!)
vmesh workload entry configure --name python-http -n vm --autoregister --internal-ip "$VM_IP" -o "$W/vm" \
  --discovery-address "127.0.0.1:$XDS_PORT" --server "http://127.0.0.1:$HTTP_PORT" --token-file "$W/data/admin-token" \
  > /dev/null

# --- the agent, as the vmesh-agent package runs it ---
mkdir -p "$W/pkg"
dpkg-deb -x "$AGENT_DEB" "$W/pkg"
aot_out=""
if [ -n "${AOT_OUT:-}" ]; then # a training run: no cache in use, one written when the agent exits
  rm -f "$W/pkg/usr/share/vmesh/vmesh-agent.aot"
  aot_out="-XX:AOTCacheOutput=$AOT_OUT"
elif [ -n "${AOT_CACHE:-}" ]; then # another cache for the package's jar, e.g. one AOT_OUT made
  cp "$AOT_CACHE" "$W/pkg/usr/share/vmesh/vmesh-agent.aot"
fi
if [ "${WARM_SERVER:-0}" = 1 ]; then
  # One agent (another VM, WARM_IP) starts and stops first, so the measured agent meets a server whose
  # CA and xDS paths have run before, as every VM but the first does.
  vmesh workload entry configure --name python-http -n vm --autoregister --internal-ip "$WARM_IP" -o "$W/warm" \
    --discovery-address "127.0.0.1:$XDS_PORT" --server "http://127.0.0.1:$HTTP_PORT" \
    --token-file "$W/data/admin-token" > /dev/null
  env -u JAVA_HOME "$W/pkg/usr/bin/vmesh" agent --config-dir "$W/warm" --state-dir "$W/warm-state" \
    --run-dir "$W/warm-run" --status-address "$WARM_IP:15020" --readiness-address "$WARM_IP:15021" --dns on \
    --dns-listen "$WARM_IP:15053" > "$W/warm-agent.log" 2>&1 &
  warm=$!
  for _ in $(seq 3000); do
    dig +time=1 +tries=1 +short -p 15053 @"$WARM_IP" svc1.ns1.example.internal A 2>/dev/null | grep -q '^10\.' && break
    sleep 0.02
  done
  kill "$warm"
  wait "$warm" || true
fi
t0=$(now)
nmt=""
[ "${NMT:-0}" = 1 ] && nmt="-XX:NativeMemoryTracking=summary"
[ "${CLASSES:-0}" = 1 ] && nmt="$nmt -Xlog:class+load=info:file=$W/classes.log"
# JAVA_HOME (the server's and jcmd's JDK here) would make the launcher pick that JDK over the bundled runtime
VMESH_JAR="${AGENT_JAR:-}" VMESH_JAVA_OPTS="${AGENT_JAVA_OPTS:-} $nmt $aot_out" env -u JAVA_HOME "$W/pkg/usr/bin/vmesh" agent \
  --config-dir "$W/vm" --state-dir "$W/state" --run-dir "$W/run" --status-address "$VM_IP:15020" \
  --readiness-address "$VM_IP:15021" --dns on --dns-listen "$VM_IP:15053" > "$W/agent.log" 2>&1 &
agent=$!
pids+=($agent)
t_log="" t_cert="" t_dns=""
for _ in $(seq 6000); do
  [ -z "$t_log" ] && [ -s "$W/agent.log" ] && t_log=$(now)
  [ -z "$t_cert" ] && [ -s "$W/state/certs/cert-chain.pem" ] && t_cert=$(now)
  if [ -z "$t_dns" ] && dig +time=1 +tries=1 +short -p 15053 @"$VM_IP" svc1.ns1.example.internal A 2>/dev/null | grep -q '^10\.'; then
    t_dns=$(now)
  fi
  [ -n "$t_dns" ] && [ -n "$t_cert" ] && break
  kill -0 "$agent" 2>/dev/null || { echo "footprint.sh: the agent exited:" >&2; cat "$W/agent.log" >&2; exit 1; }
  sleep 0.01
done
cpu_ms=$(awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$agent/stat")
echo "start: first log line $(ms "$t0" "${t_log:-$t0}") ms, certificate $(ms "$t0" "$t_cert") ms, first mesh name answered $(ms "$t0" "$t_dns") ms"
# CPU time is what a cache saves, and unlike the times above it hardly depends on what else runs
echo "start: the agent's CPU time (user + system, all threads) until its first mesh name: $cpu_ms ms"
# The agent's own milestones, from its log lines' timestamps (milliseconds), against the same launch time
for event in agent_starting dns_proxy_started certificate_renewed xds_connected; do
  line=$(grep -m1 "event=$event" "$W/agent.log" || true)
  [ -n "$line" ] && echo "start: $event at $(( $(date -d "${line%% *}" +%s%N) / 1000000 - t0 / 1000000 )) ms"
done
if [ -n "$aot_out" ]; then
  t_stop=$(now)
  kill -TERM "$agent"
  wait "$agent" || true
  echo "aot: the JVM wrote it in $(ms "$t_stop" "$(now)") ms after the stop"
  echo "aot: $AOT_OUT $(du -h "$AOT_OUT" 2>/dev/null | cut -f1) ($(gzip -c "$AOT_OUT" 2>/dev/null | wc -c) bytes gzipped)"
  exit 0
fi
# A JVM of the package doing nothing but its command line: the JVM's share of the above
t1=$(now)
env -u JAVA_HOME "$W/pkg/usr/bin/vmesh" version > /dev/null
echo "start: \`vmesh version\` (launcher, runtime, AOT cache, command line) $(ms "$t1" "$(now)") ms"
sleep "$SETTLE"
dig +short -p 15053 @"$VM_IP" svc999.ns19.example.internal A | head -1 | sed 's/^/dns: svc999 -> /'
jpid=$(pgrep -P "$agent" java || echo "$agent")
grep -E '^(VmRSS|VmHWM|RssAnon|RssFile)' "/proc/$jpid/status" | tr -s ' ' | sed 's/^/agent: /'
if [ "${SMAPS:-0}" = 1 ]; then
  # RSS by mapping: the JVM's files (libjvm, the AOT cache, the jar), thread stacks, and anonymous memory
  # (Java heap, metaspace, code cache, malloc), each as anon / file resident kB
  awk '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "") ? "[anon]" : $6; sub(/^.*\//, "", name) }
    /^Anonymous:/ { anon[name] += $2 } /^Rss:/ { rss[name] += $2 }
    END { for (n in rss) if (rss[n] >= 256) printf "smaps: %7d kB rss %7d kB anon  %s\n", rss[n], anon[n], n | "sort -k2 -n -r" }' \
    "/proc/$jpid/smaps"
fi
jcmd="$(dirname "$(readlink -f "$JAVA")")/jcmd"
if [ -n "$nmt" ] && [ -x "$jcmd" ]; then
  "$jcmd" "$jpid" VM.native_memory summary 2>/dev/null \
    | grep -E '^(Total|-  *(Java Heap|Class|Thread|Code|GC|Internal|Other|Metaspace|Shared class space|Symbol|Arena Chunk|Native Memory Tracking))' \
    | sed 's/^/nmt: /' || true
fi
if [ "${CLASSES:-0}" = 1 ]; then
  # lines: [...] name source: jrt:/java.base | shared objects file | file:/...jar
  awk '/ source: / {
      name = $0; sub(/^.*\] /, "", name); sub(/ source: .*/, "", name)
      n = split(name, p, "."); lib = (n > 3) ? p[1] "." p[2] "." p[3] : name
      if (name ~ /^(java|javax|jdk|sun|com\.sun)\./) lib = "(jdk)"
      shared = ($0 ~ /shared objects file/) ? 1 : 0
      total[lib]++; fromCache[lib] += shared; all++; allShared += shared
    }
    END {
      printf "classes: %d loaded, %d from the AOT cache\n", all, allShared
      for (l in total) printf "classes: %6d %6d %s\n", total[l], fromCache[l], l | "sort -k2 -n -r | head -25"
    }' "$W/classes.log"
fi
