package dev.vmesh.bench.xds;

import com.sun.management.OperatingSystemMXBean;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * {@code Registrations} measures VM auto-registration (performance.md, scenario S5) against the real
 * server: how many VMs per second can connect and get a WorkloadEntry, how long until every watcher
 * of the VM's service has its endpoint, and whether any entry is duplicated or left behind.
 *
 * <p>The server is {@code dist/target/vmesh.jar server} in a child process ({@link VmeshProcess}). Its
 * streams are mutual TLS with certificates from the server's own CA and the workload identity check on,
 * as agents connect ({@code -Dbench.tls=false}: plaintext without the check, to see what TLS costs);
 * grace period 1 s and the cleanup rate raised so end-of-run cleanup does not dominate. This
 * JVM holds {@link EndpointWatchers} (default 10 per group, 1,000 streams on 1,000 connections) and
 * {@link SyntheticVms} (agent-like ADS streams over a pool of 64 connections). VMs connect on an
 * open-loop schedule and every latency counts from the scheduled time, so a harness or server that
 * falls behind shows up in the figures instead of slowing the offered load.
 *
 * <ul>
 *   <li>Phase A, ramp: per rate, {@code rate × stepSeconds} VMs connect; reported are the achieved
 *       rate, registration (open → first response) and convergence (open → every watcher of the
 *       group has the endpoint) p50/p99/max, errors, server CPU; the entries are then counted through
 *       the admin API, and the VMs disconnect (removal: disconnect → every watcher lost it).
 *   <li>Phase B, churn: with {@code churnVms} registered, {@code churnRate} connects plus as many
 *       disconnects per second for {@code churnSeconds}.
 *   <li>Phase C, istio/istio#28799: three sets of {@code reconnectVms} disconnect; one comes back
 *       inside the grace period (its entry must survive unchanged), one after its entry was removed
 *       (a new entry), one never (removed).
 *   <li>At the end: no WorkloadEntry left in namespace {@code vm}; every entry created exactly as often
 *       as its VM (re)appeared, per the server's log; no endpoint twice in one response; every
 *       watcher saw each endpoint appear and disappear exactly as often as expected.
 * </ul>
 *
 * <pre>
 * java -Dbench.rates=25,50,100,250,500,1000 -cp bench/target/benchmarks.jar dev.vmesh.bench.xds.Registrations
 * </pre>
 *
 * Properties (defaults): {@code bench.jar} (dist/target/vmesh.jar), {@code bench.groups} (100),
 * {@code bench.watchersPerGroup} (10), {@code bench.vmChannels} (64; 0: one connection per VM),
 * {@code bench.phases} (A,B,C), {@code bench.rates} (25,50,100,250,500,1000), {@code bench.stepSeconds} (4),
 * {@code bench.graceMs} (1000), {@code bench.cleanupRate} (2000), {@code bench.churnVms} (2000),
 * {@code bench.churnRate} (250), {@code bench.churnSeconds} (20), {@code bench.reconnectVms} (300),
 * {@code bench.settleSeconds} (30), {@code bench.serverJvmArgs} (e.g.
 * {@code -XX:StartFlightRecording=filename=/tmp/s.jfr}), {@code bench.serverCpus} (taskset list),
 * {@code bench.keepFiles} (false), {@code bench.tls} (true), {@code bench.replicas} (1; more: servers sharing an etcd), {@code bench.warmupVms} (3000, registered and
 * removed at {@code bench.warmupRate} 300/s before anything is measured; 0 for none).
 */
public final class Registrations {
  private static final OperatingSystemMXBean OWN_CPU =
      (OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
  final VmeshProcess server;
  private final SyntheticVms vms;
  private final Map<String, Vm> byIp;
  private final List<Vm> all = new ArrayList<>();
  private final int groups;
  private final int watchersPerGroup;
  final Duration grace;
  private final double cleanupRate;
  final long settleNanos;
  final List<String> problems = new ArrayList<>();

  private Registrations(VmeshProcess server, SyntheticVms vms, Map<String, Vm> byIp, int groups,
      int watchersPerGroup, Duration grace, double cleanupRate, long settleSeconds) {
    this.server = server;
    this.vms = vms;
    this.byIp = byIp;
    this.groups = groups;
    this.watchersPerGroup = watchersPerGroup;
    this.grace = grace;
    this.cleanupRate = cleanupRate;
    this.settleNanos = TimeUnit.SECONDS.toNanos(settleSeconds);
  }

  public static void main(String[] args) throws Exception {
    int groups = Integer.getInteger("bench.groups", 100);
    int perGroup = Integer.getInteger("bench.watchersPerGroup", 10);
    Duration grace = Duration.ofMillis(Long.getLong("bench.graceMs", 1000));
    double cleanupRate = Double.parseDouble(System.getProperty("bench.cleanupRate", "2000"));
    String extra = System.getProperty("bench.serverJvmArgs", "");
    List<String> jvmArgs = new ArrayList<>(List.of("-Xmx2g"));
    if (!extra.isBlank()) {
      jvmArgs.addAll(List.of(extra.trim().split(" +")));
    }
    Phases phases = new Phases(System.getProperty("bench.phases", "A,B,C"));
    VmeshProcess server = VmeshProcess.start(Path.of(System.getProperty("bench.jar", "dist/target/vmesh.jar")),
        groups, grace, cleanupRate, jvmArgs, System.getProperty("bench.serverCpus"),
        Boolean.parseBoolean(System.getProperty("bench.tls", "true")), Integer.getInteger("bench.replicas", 1));
    System.out.printf("server pid %d, files in %s; disk sync p50 / p99 there: %s%n", server.pid(), server.directory(),
        server.fsyncProbe());
    NioEventLoopGroup loop = new NioEventLoopGroup(2);
    Map<String, Vm> byIp = EndpointWatchers.newIndex();
    boolean ok = false;
    try (EndpointWatchers watchers = new EndpointWatchers(server.transport(), server.xdsPorts(), groups, perGroup, loop,
            byIp);
        SyntheticVms vms = new SyntheticVms(server.transport(), server.xdsPorts(), Integer.getInteger("bench.vmChannels",
            64), loop)) {
      int synced = watchers.awaitSynced(60, TimeUnit.SECONDS);
      System.out.printf("%d of %d watchers synced; groups=%d, grace=%s, cleanup rate=%.0f/s, cores=%d, xDS: %s; %s%n",
          synced, groups * perGroup, groups, grace, cleanupRate, Runtime.getRuntime().availableProcessors(),
          server.transport().tls() ? "mutual TLS, workload identity checked" : "plaintext, identity not checked",
          server.replicas() == 1 ? "one server, embedded store" : server.replicas() + " replicas on one etcd (VMs and "
              + "watchers spread over them; server CPU includes etcd)");
      Registrations r = new Registrations(server, vms, byIp, groups, perGroup, grace, cleanupRate,
          Long.getLong("bench.settleSeconds", 30));
      r.warmUp(Integer.getInteger("bench.warmupVms", 3000), Double.parseDouble(System.getProperty(
          "bench.warmupRate", "300")));
      if (phases.has("A")) {
        r.ramp(Arrays.stream(System.getProperty("bench.rates", "25,50,100,250,500,1000").split(","))
            .mapToDouble(Double::parseDouble).toArray(), Double.parseDouble(System.getProperty("bench.stepSeconds",
            "4")));
      }
      if (phases.has("B")) {
        ChurnPhases.churn(r, Integer.getInteger("bench.churnVms", 2000),
            Double.parseDouble(System.getProperty("bench.churnRate", "250")), Integer.getInteger("bench.churnSeconds", 20));
      }
      if (phases.has("C")) {
        ChurnPhases.reconnects(r, Integer.getInteger("bench.reconnectVms", 300));
      }
      r.finalChecks(watchers.errors());
      ok = r.problems.isEmpty();
    } finally {
      loop.shutdownGracefully();
      server.close();
      server.deleteFiles(Boolean.getBoolean("bench.keepFiles") || !ok);
    }
    System.exit(ok ? 0 : 1);
  }

  /** Comma-separated phase letters. */
  private record Phases(String list) {
    boolean has(String phase) {
      return Arrays.asList(list.toUpperCase().split(",")).contains(phase);
    }
  }

  List<Vm> newVms(int n) {
    List<Vm> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Vm vm = new Vm(all.size() + 1, groups);
      all.add(vm);
      byIp.put(vm.ip, vm);
      out.add(vm);
    }
    return out;
  }

  /** Opens {@code vm}'s stream, scheduled at {@code due}; {@code appears}: its endpoint is new to watchers. */
  void connect(Vm vm, Step step, long due, boolean appears) {
    vm.step = step;
    vm.openNanos = due;
    vm.registered = false;
    vm.converged = !appears;
    if (appears) {
      vm.expectedAppearances++;
      vm.seenTarget = vm.expectedAppearances * watchersPerGroup;
    }
    vms.open(vm);
  }

  /** Closes {@code vm}'s stream now; {@code removed}: its entry is expected to go. */
  void disconnect(Vm vm, Step step, boolean removed) {
    vm.closeStep = step;
    vm.closeNanos = System.nanoTime();
    vm.removed = !removed;
    if (removed) {
      vm.goneTarget = vm.expectedAppearances * watchersPerGroup;
    }
    vms.close(vm);
  }

  /** Connects {@code list} open-loop at {@code rate} per second, from now. */
  void connectAt(List<Vm> list, double rate, Step step) {
    long start = System.nanoTime();
    for (int k = 0; k < list.size(); k++) {
      long due = start + (long) (k * 1e9 / rate);
      parkUntil(due);
      connect(list.get(k), step, due, true);
    }
  }

  static void parkUntil(long due) {
    long left;
    while ((left = due - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }

  /** Waits until every VM of {@code list} satisfies {@code done}, at most {@code timeoutNanos}; true if so. */
  static boolean await(Collection<Vm> list, Predicate<Vm> done, long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (System.nanoTime() < deadline) {
      if (list.stream().allMatch(done)) {
        return true;
      }
      Thread.sleep(20); // harness: polling the VMs' progress
    }
    return list.stream().allMatch(done);
  }

  long removalTimeout(int n) {
    return grace.toNanos() + (long) (n / cleanupRate * 1e9) + settleNanos;
  }

  void begin(Step s) {
    s.startNanos = System.nanoTime();
    s.cpuStartNanos = server.cpuNanos();
    s.benchCpuStartNanos = OWN_CPU.getProcessCpuTime();
    s.stallStartMicros = Step.cpuStallMicros();
  }

  void end(Step s) {
    s.endNanos = System.nanoTime();
    s.cpuEndNanos = server.cpuNanos();
    s.benchCpuEndNanos = OWN_CPU.getProcessCpuTime();
    s.stallEndMicros = Step.cpuStallMicros();
  }

  /**
   * Registers and removes {@code count} VMs without measuring: JIT compilation of a fresh server takes
   * most of the CPU of its first minute, which on 2 cores would otherwise land in the first steps.
   */
  private void warmUp(int count, double rate) throws Exception {
    if (count <= 0) {
      return;
    }
    long start = System.nanoTime();
    Step s = new Step("warm-up");
    List<Vm> batch = newVms(count);
    connectAt(batch, rate, s);
    boolean ok = await(batch, vm -> vm.registered && vm.converged, settleNanos);
    batch.forEach(vm -> disconnect(vm, s, true));
    ok &= await(batch, vm -> vm.removed, removalTimeout(count));
    System.out.printf("warm-up: %d VMs registered and removed in %.0f s%s%n", count, (System.nanoTime() - start) / 1e9,
        ok ? "" : " (not all completed)");
  }

  /** Phase A: one step per rate; a step that does not finish within the settle time ends the ramp. */
  private void ramp(double[] rates, double stepSeconds) throws Exception {
    System.out.printf("%n## Phase A: registration ramp (%.0f s per step)%n%n", stepSeconds);
    System.out.println("| offered /s | VMs | achieved /s | registration p50 / p99 / max ms | convergence p50 / p99 / max"
        + " ms | errors | server CPU (cores) | bench CPU (cores) | CPU pressure | entries while connected | removal p50 / p99 / "
        + "max ms |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    for (double rate : rates) {
      Step s = new Step("A " + rate);
      List<Vm> batch = newVms((int) Math.round(rate * stepSeconds));
      begin(s);
      connectAt(batch, rate, s);
      boolean complete = await(batch, vm -> vm.registered && vm.converged, settleNanos);
      end(s);
      String entries = entriesCheck(batch, s.name);
      for (Vm vm : batch) {
        disconnect(vm, s, true);
      }
      boolean removed = await(batch, vm -> vm.removed, removalTimeout(batch.size()));
      System.out.printf("| %.0f | %d | %.0f | %s | %s | %d | %.2f | %.2f | %.0f%% | %s | %s |%n", rate, batch.size(),
          s.achievedRate(), Step.millis(s.registration), Step.millis(s.convergence), s.errors.get(), s.serverCores(),
          s.benchCores(), 100 * s.cpuPressure(), entries, Step.millis(s.removal));
      if (!complete || !removed) {
        problems.add(s.name + ": " + (complete ? "" : (batch.size() - s.convergedCount.get())
            + " VMs not registered and converged within the settle time; ")
            + (removed ? "" : (batch.size() - s.removedCount.get()) + " not removed"));
        System.out.println("ramp stopped: " + problems.get(problems.size() - 1));
        return;
      }
    }
  }

  /** Counts the entries through the admin API while {@code expected} are connected: one per VM, no other. */
  String entriesCheck(List<Vm> expected, String where) throws Exception {
    List<VmeshProcess.Entry> entries = server.workloadEntries();
    Set<String> addresses = new HashSet<>();
    int duplicates = 0;
    for (VmeshProcess.Entry e : entries) {
      if (!addresses.add(e.address())) {
        duplicates++;
      }
    }
    if (entries.size() != expected.size() || duplicates > 0) {
      problems.add(where + ": " + entries.size() + " entries for " + expected.size() + " connected VMs, "
          + duplicates + " sharing an address");
    }
    return entries.size() + (duplicates > 0 ? " (" + duplicates + " duplicated)" : "");
  }

  /** With every VM gone: no entry left, none created more often than its VM (re)appeared. */
  private void finalChecks(int watcherErrors) throws Exception {
    long start = System.nanoTime();
    long deadline = start + removalTimeout(0);
    List<VmeshProcess.Entry> left = server.workloadEntries();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(250); // harness: waiting for the last cleanups
      left = server.workloadEntries();
    }
    Map<String, Integer> creations = server.creationsPerEntry();
    int wrongCreations = 0;
    int flaps = 0;
    int duplicated = 0;
    for (Vm vm : all) {
      if (creations.getOrDefault(vm.entryName(), 0) != vm.expectedAppearances) {
        wrongCreations++;
      }
      int expected = vm.expectedAppearances * watchersPerGroup;
      if (vm.seen.get() != expected || vm.gone.get() != expected) {
        flaps++;
      }
      duplicated += vm.duplicatesInOneResponse.get();
    }
    System.out.printf("%n## Checks after every VM left%n%n");
    System.out.printf("- WorkloadEntries left in namespace vm: **%d** (waited %.1f s after the last cleanup)%n",
        left.size(), (System.nanoTime() - start) / 1e9);
    System.out.printf("- entries created a different number of times than their VM (re)appeared, per the server "
        + "log: **%d** of %d VMs%n", wrongCreations, all.size());
    System.out.printf("- responses sent by the server over the run, by type: %s%n", server.responsesByType());
    System.out.printf("- VMs whose endpoint some watcher saw appear or disappear an unexpected number of times: "
        + "**%d**; endpoints listed twice in one response: **%d**; watcher stream errors: %d%n", flaps, duplicated,
        watcherErrors);
    if (!left.isEmpty()) {
      problems.add(left.size() + " WorkloadEntries leaked, e.g. " + left.get(0).name());
    }
    if (wrongCreations + flaps + duplicated + watcherErrors > 0) {
      problems.add("duplicate or missing registrations (see the checks)");
    }
    System.out.printf("- disk sync p50 / p99 at the end: %s%n", server.fsyncProbe());
    System.out.println(problems.isEmpty() ? "\nresult: all checks passed" : "\nresult: FAILED\n- "
        + String.join("\n- ", problems));
  }
}
