#!/usr/bin/env bash
# DNS proxy benchmark: dnsperf against `vmesh dns serve` and against dnsmasq, serving the same names,
# alternated in one run. Usage and results: docs/benchmarks.md, section "DNS proxy".
#
#   bench/dns/run.sh                      # defaults below
#   ROUNDS=5 LOADS="max" bench/dns/run.sh
#   JVM_FLAGS="-XX:+UseSerialGC -Xmx64m" bench/dns/run.sh
#
# What it does:
#   1. Generates NAMES Kubernetes-style hosts svc<i>.ns<i%20>.svc.cluster.local (every V6_EVERY-th one
#      dual-stack) and SE_HOSTS ServiceEntry-style hosts (two IPv4s, or IPv4 + IPv6), as a vmesh name
#      table (JSON) and as a hosts file for dnsmasq; the dnsperf input asks A for every host and AAAA
#      only for dual-stack ones, so every query is a table hit with NOERROR and at least one answer.
#   2. Starts both servers on 127.0.0.1 (vmesh's upstream is 127.0.0.1:UPSTREAM_PORT, a closed port;
#      dnsmasq has --no-resolv; nothing leaves the machine), checks sample answers with dig on both.
#   3. Warms both up (WARMUP seconds each, not counted), then ROUNDS rounds; each round runs every
#      load of LOADS against both servers, vmesh first in odd rounds and dnsmasq first in even ones.
#   4. For each run: QPS, lost queries and average latency from dnsperf's statistics; p50/p99/p99.9
#      from the per-query latencies dnsperf -v prints; server CPU seconds from /proc/<pid>/stat
#      (utime + stime, all threads) read just before and after dnsperf, also as microseconds of user and
#      of system time per query; sleeps per query: how often any of the server's threads blocked (voluntary
#      context switches from /proc/<pid>/task/*/status; each is a wake-up later); busy share of each CPU from
#      /proc/stat, to see whether something else used the machine.
#
# Environment (defaults in brackets):
#   NAMES [1000]  V6_EVERY [4]  SE_HOSTS [20]   the names served and queried
#   DURATION [10] seconds per measured run; WARMUP [20] seconds per server before the first round
#   ROUNDS [3]    alternations
#   LOADS ["max 20000"]  one dnsperf run per entry per server and round: "max" is no rate limit
#                 (dnsperf keeps OUTSTANDING queries in flight), a number is dnsperf -Q (queries/s)
#   CLIENTS [4] (dnsperf -c)  THREADS [1] (dnsperf -T)  OUTSTANDING [100] (dnsperf -q)
#   SERVER_CPUS [0]  CLIENT_CPUS [1]   taskset CPU lists; empty = not pinned
#   JAVA [$JAVA_HOME/bin/java, else bin/find-java's]  VMESH_JAR [dist/target/vmesh.jar]  JVM_FLAGS [none]
#   VMESH_ARGS [none]  extra arguments for `vmesh dns serve`
#   VMESH_PORT [15353]  DNSMASQ_PORT [15354]  UPSTREAM_PORT [5399]
#   SERVERS ["vmesh dnsmasq"]  add "floor" for UdpFloor (bench module): a server that sends each query
#                 straight back flagged as a response and does nothing else, the CPU floor under any
#                 UDP server on this kernel (its answers have no records, so dig does not check them)
#                 add "cfloor" for the same in C (bench/dns/floor.c, built here with cc -O2): no JVM, no
#                 channel, one recvfrom and one sendto per query
#                 add "ffloor" for the same in Java calling libc's recvfrom and sendto through the foreign
#                 function API (bench/dns/FfmFloor.java, run as a source file; JDK 22+): the JVM without
#                 java.nio's DatagramChannel
#                 add "mfloor" for the C floor batching its system calls (bench/dns/mfloor.c): one recvmmsg per
#                 wake-up for every datagram queued (up to 16) and one sendmmsg for their replies
#                 add "vmesh0" for a second vmesh from VMESH0_JAR (another build: a before and after in one run),
#                 with VMESH0_JVM_FLAGS [JVM_FLAGS] instead of JVM_FLAGS (the same jar with other flags: set
#                 VMESH0_JAR=$VMESH_JAR, e.g. VMESH0_JVM_FLAGS="-XX:TieredStopAtLevel=1", the agent's compiler)
#   FLOOR_PORT [15355]  CFLOOR_PORT [15356]  FFLOOR_PORT [15357]  MFLOOR_PORT [15358]  VMESH0_PORT [15359]
#   CC [cc]  BENCH_JAR [bench/target/benchmarks.jar]
#   WORKDIR [a new temporary directory]  KEEP [0] 1 = keep WORKDIR
#   RESULTS [WORKDIR/results.tsv]  one line per run, tab separated
set -euo pipefail
export LC_ALL=C

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
NAMES=${NAMES:-1000}
V6_EVERY=${V6_EVERY:-4}
SE_HOSTS=${SE_HOSTS:-20}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-20}
ROUNDS=${ROUNDS:-3}
LOADS=${LOADS:-max 20000}
CLIENTS=${CLIENTS:-4}
THREADS=${THREADS:-1}
OUTSTANDING=${OUTSTANDING:-100}
SERVER_CPUS=${SERVER_CPUS-0}
CLIENT_CPUS=${CLIENT_CPUS-1}
if [ -z "${JAVA:-}" ]; then
  JAVA=${JAVA_HOME:+$JAVA_HOME/bin/java}
  JAVA=${JAVA:-$("$here/bin/find-java")/bin/java} # 21+; the default java may be older
fi
VMESH_JAR=${VMESH_JAR:-$here/dist/target/vmesh.jar}
JVM_FLAGS=${JVM_FLAGS:-}
VMESH_ARGS=${VMESH_ARGS:-}
VMESH_PORT=${VMESH_PORT:-15353}
DNSMASQ_PORT=${DNSMASQ_PORT:-15354}
UPSTREAM_PORT=${UPSTREAM_PORT:-5399}
FLOOR_PORT=${FLOOR_PORT:-15355}
CFLOOR_PORT=${CFLOOR_PORT:-15356}
FFLOOR_PORT=${FFLOOR_PORT:-15357}
MFLOOR_PORT=${MFLOOR_PORT:-15358}
VMESH0_PORT=${VMESH0_PORT:-15359}
VMESH0_JAR=${VMESH0_JAR:-}
VMESH0_JVM_FLAGS=${VMESH0_JVM_FLAGS-$JVM_FLAGS}
CC=${CC:-cc}
BENCH_JAR=${BENCH_JAR:-$here/bench/target/benchmarks.jar}
SERVERS=${SERVERS:-vmesh dnsmasq}
KEEP=${KEEP:-0}
WORKDIR=${WORKDIR:-$(mktemp -d /tmp/vmesh-dnsbench.XXXXXX)}
mkdir -p "$WORKDIR"
chmod 755 "$WORKDIR" # dnsmasq reads the hosts file after dropping to user nobody
RESULTS=${RESULTS:-$WORKDIR/results.tsv}

for tool in dnsperf dnsmasq dig taskset; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (apt-get install -y dnsperf dnsmasq bind9-dnsutils util-linux)" >&2; exit 1; }
done
[ -f "$VMESH_JAR" ] || { echo "run.sh: $VMESH_JAR not found; build with ./mvnw -q -o -DskipTests package" >&2; exit 1; }
if [[ " $SERVERS " == *" floor "* ]] && [ ! -f "$BENCH_JAR" ]; then
  echo "run.sh: $BENCH_JAR not found; build with ./mvnw -q -o -DskipTests package" >&2
  exit 1
fi
for port in "$VMESH_PORT" "$DNSMASQ_PORT" "$UPSTREAM_PORT" "$FLOOR_PORT" "$CFLOOR_PORT" "$FFLOOR_PORT" "$MFLOOR_PORT" "$VMESH0_PORT"; do
  if ss -Hlnu "sport = :$port" | grep -q . || ss -Hlnt "sport = :$port" | grep -q .; then
    echo "run.sh: port $port is in use; choose others with VMESH_PORT, DNSMASQ_PORT, UPSTREAM_PORT" >&2
    exit 1
  fi
done

pin() { # pin CPUS COMMAND...: becomes COMMAND on those CPUs (anywhere when CPUS is empty); call it in a subshell
  local cpus=$1
  shift
  if [ -n "$cpus" ]; then exec taskset -c "$cpus" "$@"; else exec "$@"; fi
}

declare -A pid
cleanup() {
  for s in "${!pid[@]}"; do
    kill "${pid[$s]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ "$KEEP" != 1 ]; then rm -rf "$WORKDIR"; else echo "kept $WORKDIR"; fi
}
trap cleanup EXIT

# --- 1. names: table.json (vmesh), hosts (dnsmasq), queries (dnsperf) ---
awk -v n="$NAMES" -v every="$V6_EVERY" -v se="$SE_HOSTS" -v dir="$WORKDIR" '
  function add(host, v4a, v4b, v6,   ips) {
    ips = "\"" v4a "\""; print v4a, host > hosts; print host, "A" > queries
    if (v4b != "") { ips = ips ", \"" v4b "\""; print v4b, host > hosts }
    if (v6 != "") { ips = ips ", \"" v6 "\""; print v6, host > hosts; print host, "AAAA" > queries }
    printf "%s  \"%s\": {\"ips\": [%s], \"registry\": \"External\"}", (count++ ? ",\n" : ""), host, ips > table
  }
  BEGIN {
    table = dir "/table.json"; hosts = dir "/hosts"; queries = dir "/queries"
    printf "{\n" > table
    for (i = 0; i < n; i++) {
      add("svc" i ".ns" (i % 20) ".svc.cluster.local", sprintf("10.96.%d.%d", int(i / 250), i % 250 + 1), "",
          every > 0 && i % every == 0 ? sprintf("fd00:10:96::%x", i + 1) : "")
    }
    for (k = 0; k < se; k++) {
      if (k % 2 == 0) add("api" k ".partner.example.com", "192.0.2." (k + 1), "198.51.100." (k + 1), "")
      else add("db" k ".vms.internal", "203.0.113." (k + 1), "", sprintf("2001:db8::%x", k + 1))
    }
    printf "\n}\n" > table
  }'
printf 'nameserver 127.0.0.1:%s\nsearch default.svc.cluster.local svc.cluster.local cluster.local\n' "$UPSTREAM_PORT" \
  > "$WORKDIR/resolv.conf"
nqueries=$(wc -l < "$WORKDIR/queries")

# --- 2. servers ---
start_vmesh() {
  # shellcheck disable=SC2086 # JVM_FLAGS and VMESH_ARGS are word lists
  pin "$SERVER_CPUS" "$JAVA" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow $JVM_FLAGS \
    -jar "$VMESH_JAR" dns serve --table "$WORKDIR/table.json" --listen "127.0.0.1:$VMESH_PORT" \
    --resolv-conf "$WORKDIR/resolv.conf" --namespace default $VMESH_ARGS > "$WORKDIR/vmesh.log" 2>&1 &
  pid[vmesh]=$!
}
start_vmesh0() { # the same from another build's jar, for a before/after in one run
  # shellcheck disable=SC2086 # VMESH0_JVM_FLAGS and VMESH_ARGS are word lists
  pin "$SERVER_CPUS" "$JAVA" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow $VMESH0_JVM_FLAGS \
    -jar "$VMESH0_JAR" dns serve --table "$WORKDIR/table.json" --listen "127.0.0.1:$VMESH0_PORT" \
    --resolv-conf "$WORKDIR/resolv.conf" --namespace default $VMESH_ARGS > "$WORKDIR/vmesh0.log" 2>&1 &
  pid[vmesh0]=$!
}
start_dnsmasq() {
  pin "$SERVER_CPUS" dnsmasq --keep-in-foreground --port="$DNSMASQ_PORT" --listen-address=127.0.0.1 --bind-interfaces \
    --no-resolv --no-hosts --addn-hosts="$WORKDIR/hosts" --pid-file= --log-facility="$WORKDIR/dnsmasq.log" \
    > "$WORKDIR/dnsmasq.out" 2>&1 &
  pid[dnsmasq]=$!
}
start_cfloor() {
  "$CC" -O2 -o "$WORKDIR/cfloor" "$here/bench/dns/floor.c"
  pin "$SERVER_CPUS" "$WORKDIR/cfloor" "$CFLOOR_PORT" > "$WORKDIR/cfloor.log" 2>&1 &
  pid[cfloor]=$!
}
start_mfloor() {
  "$CC" -O2 -o "$WORKDIR/mfloor" "$here/bench/dns/mfloor.c"
  pin "$SERVER_CPUS" "$WORKDIR/mfloor" "$MFLOOR_PORT" > "$WORKDIR/mfloor.log" 2>&1 &
  pid[mfloor]=$!
}
start_ffloor() {
  # shellcheck disable=SC2086 # JVM_FLAGS is a word list
  pin "$SERVER_CPUS" "$JAVA" --enable-native-access=ALL-UNNAMED $JVM_FLAGS "$here/bench/dns/FfmFloor.java" \
    "$FFLOOR_PORT" > "$WORKDIR/ffloor.log" 2>&1 &
  pid[ffloor]=$!
}
start_floor() {
  # shellcheck disable=SC2086 # JVM_FLAGS is a word list
  pin "$SERVER_CPUS" "$JAVA" $JVM_FLAGS -cp "$BENCH_JAR" dev.vmesh.bench.dns.UdpFloor "$FLOOR_PORT" \
    > "$WORKDIR/floor.log" 2>&1 &
  pid[floor]=$!
}
declare -A port=([vmesh]=$VMESH_PORT [dnsmasq]=$DNSMASQ_PORT [floor]=$FLOOR_PORT [cfloor]=$CFLOOR_PORT
  [ffloor]=$FFLOOR_PORT [mfloor]=$MFLOOR_PORT [vmesh0]=$VMESH0_PORT)
for s in $SERVERS; do
  "start_$s"
done
sample=$(awk 'NR % 97 == 1' "$WORKDIR/queries")
sample+=$'\n'$(tail -n 4 "$WORKDIR/queries")
for s in $SERVERS; do
  for _ in $(seq 100); do
    dig +time=1 +tries=1 -p "${port[$s]}" @127.0.0.1 svc0.ns0.svc.cluster.local A 2>/dev/null | grep -q 'status: NOERROR' \
      && break
    kill -0 "${pid[$s]}" 2>/dev/null || { echo "run.sh: $s exited:" >&2; cat "$WORKDIR/$s".*; exit 1; }
    sleep 0.2
  done
  [[ "$s" == *floor ]] && continue # echo queries back: nothing to check
  while read -r name type; do
    [ -n "$name" ] || continue
    reply=$(dig +time=1 +tries=1 -p "${port[$s]}" @127.0.0.1 "$name" "$type")
    got="$(awk '/status:/ {print $6}' <<< "$reply") $(awk -v t="$type" '/^[^;]/ && $4 == t {print $5}' <<< "$reply" | sort | tr '\n' ' ')"
    want="NOERROR, $(awk -v h="$name" -v t="$type" '$2 == h && (t == "A") == ($1 !~ /:/) {print $1}' "$WORKDIR/hosts" | sort | tr '\n' ' ')"
    [ "$got" = "$want" ] || { echo "run.sh: $s answered $name $type with '$got', expected '$want'" >&2; exit 1; }
  done <<< "$sample"
done
echo "the servers answer $(echo "$sample" | wc -l) sample queries correctly (dig); $nqueries distinct queries in the dnsperf input"

# --- 3. runs ---
ticks() { awk '{print $14, $15}' "/proc/$1/stat"; } # user and system clock ticks, all threads
# times any thread of the process went to sleep (voluntary context switches: one per wake-up), all threads
sleeps() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ {n += $2} END {print n + 0}'; }
cpustat() { awk '/^cpu[0-9]/ {busy = $2 + $3 + $4 + $7 + $8 + $9; printf "%s %d %d ", $1, busy, busy + $5 + $6}' /proc/stat; }
hz=$(getconf CLK_TCK)

# run SERVER LOAD ROUND: one dnsperf run; appends a line to RESULTS (ROUND 0 = warm-up, not reported)
run() {
  local s=$1 load=$2 round=$3 seconds=$DURATION rate=()
  [ "$round" = 0 ] && seconds=$WARMUP
  [ "$load" != max ] && rate=(-Q "$load")
  kill -0 "${pid[$s]}" 2>/dev/null || { echo "run.sh: $s is no longer running" >&2; exit 1; }
  local out="$WORKDIR/dnsperf.$s.$load.$round"
  local before after c0 c1 w0 w1
  c0=$(cpustat)
  w0=$(sleeps "${pid[$s]}")
  read -r -a before <<< "$(ticks "${pid[$s]}")"
  (pin "$CLIENT_CPUS" dnsperf -v -s 127.0.0.1 -p "${port[$s]}" -d "$WORKDIR/queries" -l "$seconds" \
    -c "$CLIENTS" -T "$THREADS" -q "$OUTSTANDING" "${rate[@]}" > "$out")
  read -r -a after <<< "$(ticks "${pid[$s]}")"
  w1=$(sleeps "${pid[$s]}")
  c1=$(cpustat)
  # per-query latencies (seconds) are the last field of the "> RCODE name type latency" lines
  local pct
  pct=$(awk '/^> / && $2 != "T" {print $NF}' "$out" | sort -g | awk '{v[NR] = $1}
    function at(f,   i) {i = int(NR * f); if (i < 1) i = 1; return v[i] * 1000}
    END {printf "%.3f %.3f %.3f", at(0.50), at(0.99), at(0.999)}')
  awk -v s="$s" -v load="$load" -v round="$round" -v pct="$pct" -v cpu=$(( after[0] + after[1] - before[0] - before[1] )) \
      -v ucpu=$(( after[0] - before[0] )) -v hz="$hz" -v sleeps=$(( w1 - w0 )) \
      -v c0="$c0" -v c1="$c1" '
    /Queries completed:/ {done = $3}
    /Queries lost:/ {lost = $3}
    /Response codes:/ {codes = $0; sub(/.*codes: */, "", codes); gsub(/ /, "_", codes)}
    /Queries per second:/ {qps = $4}
    /Average Latency/ {avg = $4 * 1000}
    END {
      split(pct, p, " "); na = split(c0, a, " "); split(c1, b, " ")
      busy = ""
      for (i = 1; i <= na; i += 3) busy = busy (busy == "" ? "" : ",") sprintf("%s=%.0f%%", a[i], 100 * (b[i + 1] - a[i + 1]) / (b[i + 2] - a[i + 2]))
      sec = cpu / hz
      perSec = 0
      if (sec > 0) perSec = done / sec
      usr = 0; sys = 0
      if (done > 0) { usr = 1e6 * ucpu / hz / done; sys = 1e6 * (cpu - ucpu) / hz / done }
      printf "%s\t%s\t%d\t%.0f\t%.3f\t%s\t%s\t%s\t%.2f\t%.0f\t%d\t%d\t%s\t%s\t%.2f\t%.2f\t%.3f\n", s, load, round, qps, avg, p[1], p[2],
        p[3], sec, perSec, done, lost, codes, busy, usr, sys, (done > 0 ? sleeps / done : 0)
    }' "$out" >> "$RESULTS"
  [ "$KEEP" = 1 ] || rm -f "$out"
}

printf 'server\tload\tround\tqps\tavg_ms\tp50_ms\tp99_ms\tp999_ms\tcpu_s\tq_per_cpu_s\tcompleted\tlost\trcodes\tcpu_busy\tuser_us_per_q\tsys_us_per_q\tsleeps_per_q\n' > "$RESULTS"
echo "warm-up: ${WARMUP} s per server and load, not counted"
for s in $SERVERS; do
  for load in $LOADS; do
    run "$s" "$load" 0
  done
done
order=($SERVERS)
for round in $(seq "$ROUNDS"); do
  echo "round $round of $ROUNDS ($(uptime | sed 's/.*load/load/'))"
  for load in $LOADS; do
    for s in "${order[@]}"; do
      run "$s" "$load" "$round"
    done
  done
  order=($(printf '%s\n' "${order[@]}" | tac)) # the other one first next round
done

# --- 4. report ---
echo
echo "names: $NAMES (+$SE_HOSTS ServiceEntry hosts), $nqueries distinct queries; dnsperf -c $CLIENTS -T $THREADS -q $OUTSTANDING -l $DURATION;" \
  "server CPUs: ${SERVER_CPUS:-any}, dnsperf CPUs: ${CLIENT_CPUS:-any}; JVM flags: ${JVM_FLAGS:-none}" \
  "${VMESH0_JAR:+(vmesh0: $VMESH0_JAR, JVM flags: ${VMESH0_JVM_FLAGS:-none})}"
awk -F'\t' 'NR == 1 {next} $3 != 0 {
    rows[++n] = sprintf("| %s | %s | %s | %s | %.3f | %.3f | %.3f | %.2f | %s | %.2f + %.2f | %.3f | %s | %s |", $1,
      $2 == "max" ? "max" : $2 "/s", $3, $4, $5, $6, $7, $9, $10, $15, $16, $17, $12, $14)
  } END {
    print "| server | load | round | QPS | avg ms | p50 ms | p99 ms | server CPU s | queries per CPU-s | µs per query (user + system) | sleeps per query | lost | CPU busy |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= n; i++) print rows[i]
  }' "$RESULTS"
echo
awk -F'\t' 'NR == 1 {next} $3 != 0 {k = $1 " " $2; key[k] = 1; c[k]++; v[k, c[k]] = $10; q[k, c[k]] = $4; l[k, c[k]] = $7; a[k, c[k]] = $5}
  function med(arr, k, n,   i, j, t, x) {
    for (i = 1; i <= n; i++) x[i] = arr[k, i]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) {t = x[i]; x[i] = x[j]; x[j] = t}
    return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
  }
  function lo(arr, k, n,   i, m) {m = arr[k, 1]; for (i = 2; i <= n; i++) if (arr[k, i] < m) m = arr[k, i]; return m}
  function hi(arr, k, n,   i, m) {m = arr[k, 1]; for (i = 2; i <= n; i++) if (arr[k, i] > m) m = arr[k, i]; return m}
  END {
    for (k in key) {
      n = c[k]; split(k, sl, " ")
      printf "| %s | %s | %d (%d–%d) | %.3f | %.3f (%.3f–%.3f) | %d (%d–%d) |\n", sl[1], sl[2], med(q, k, n), lo(q, k, n), hi(q, k, n),
        med(a, k, n), med(l, k, n), lo(l, k, n), hi(l, k, n), med(v, k, n), lo(v, k, n), hi(v, k, n)
    }
  }' "$RESULTS" | sort -t'|' -k3,3 -k2,2r > "$WORKDIR/summary"
echo "| server | load | QPS median (min–max) | avg ms median | p99 ms median (min–max) | queries per CPU-s median (min–max) |"
echo "|---|---|---|---|---|---|"
cat "$WORKDIR/summary"
bad=$(awk -F'\t' 'NR > 1 && ($12 != 0 || $13 !~ /^NOERROR_[0-9]+_\(100.00%\)$/)' "$RESULTS")
if [ -n "$bad" ]; then
  echo "WARNING: runs with lost queries or answers other than NOERROR:"
  echo "$bad"
fi
[ "$KEEP" = 1 ] && echo "results: $RESULTS"
exit 0
