package dev.vmesh.bench.xds;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ChurnPhases} are phases B and C of {@link Registrations}: VMs joining and leaving at the same
 * rate over a registered population, and the three ways a VM comes back (istio/istio#28799).
 */
final class ChurnPhases {
  private ChurnPhases() {}

  /** Phase B: a registered population, with as many VMs joining as leaving each second. */
  static void churn(Registrations r, int population, double rate, int seconds) throws Exception {
    System.out.printf("%n## Phase B: churn, %d VMs registered, %.0f connects/s + %.0f disconnects/s for %d s%n%n",
        population, rate, rate, seconds);
    Step fill = new Step("B fill");
    List<Vm> initial = r.newVms(population);
    r.begin(fill);
    r.connectAt(initial, Math.max(rate, 500), fill);
    if (!Registrations.await(initial, vm -> vm.registered && vm.converged, r.settleNanos)) {
      r.problems.add("B: the initial population did not register within the settle time");
      return;
    }
    r.end(fill);
    Deque<Vm> live = new ArrayDeque<>(initial);
    List<Vm> joined = r.newVms((int) Math.round(rate * seconds));
    List<Vm> left = new ArrayList<>();
    Step s = new Step("B churn");
    r.begin(s);
    long start = System.nanoTime();
    for (int k = 0; k < joined.size(); k++) {
      long due = start + (long) (k * 1e9 / rate);
      Registrations.parkUntil(due);
      r.connect(joined.get(k), s, due, true);
      Vm leaving = live.pollFirst();
      r.disconnect(leaving, s, true);
      left.add(leaving);
      live.addLast(joined.get(k));
    }
    boolean complete = Registrations.await(joined, vm -> vm.registered && vm.converged, r.settleNanos)
        & Registrations.await(left, vm -> vm.removed, r.removalTimeout(left.size()));
    r.end(s);
    String entries = r.entriesCheck(new ArrayList<>(live), s.name);
    System.out.println("| | VMs | registration p50 / p99 / max ms | convergence p50 / p99 / max ms | removal p50 / p99 / "
        + "max ms | errors | server CPU (cores) | bench CPU (cores) | CPU pressure | entries after |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    System.out.printf("| fill at %.0f/s | %d | %s | %s | | %d | %.2f | %.2f | %.0f%% | |%n", Math.max(rate, 500),
        population, Step.millis(fill.registration), Step.millis(fill.convergence), fill.errors.get(),
        fill.serverCores(), fill.benchCores(), 100 * fill.cpuPressure());
    System.out.printf("| churn | +%d −%d | %s | %s | %s | %d | %.2f | %.2f | %.0f%% | %s |%n", joined.size(),
        left.size(), Step.millis(s.registration), Step.millis(s.convergence), Step.millis(s.removal), s.errors.get(),
        s.serverCores(), s.benchCores(), 100 * s.cpuPressure(), entries);
    if (!complete) {
      r.problems.add("B: not every join registered and every leave was removed within the settle time");
    }
    Step drain = new Step("B drain");
    for (Vm vm : live) {
      r.disconnect(vm, drain, true);
    }
    if (!Registrations.await(live, vm -> vm.removed, r.removalTimeout(live.size()))) {
      r.problems.add("B: " + (live.size() - drain.removedCount.get()) + " entries not removed after the churn");
    }
  }

  /** Phase C: reconnect inside the grace period, after it, and never (istio/istio#28799). */
  static void reconnects(Registrations r, int perSet) throws Exception {
    System.out.printf("%n## Phase C: %d VMs each reconnect inside the grace period, after it, or never%n%n", perSet);
    Step connect = new Step("C connect");
    List<Vm> inside = r.newVms(perSet);
    List<Vm> after = r.newVms(perSet);
    List<Vm> never = r.newVms(perSet);
    List<Vm> everyone = new ArrayList<>(inside);
    everyone.addAll(after);
    everyone.addAll(never);
    r.connectAt(everyone, 500, connect);
    if (!Registrations.await(everyone, vm -> vm.registered && vm.converged, r.settleNanos)) {
      r.problems.add("C: VMs did not register within the settle time");
      return;
    }
    Map<String, String> uids = new HashMap<>();
    r.server.workloadEntries().forEach(e -> uids.put(e.name(), e.uid()));
    Step gone = new Step("C gone");
    inside.forEach(vm -> r.disconnect(vm, gone, false));
    after.forEach(vm -> r.disconnect(vm, gone, true));
    never.forEach(vm -> r.disconnect(vm, gone, true));
    Thread.sleep(r.grace.toMillis() / 4); // harness: back well inside the grace period
    Step back = new Step("C back inside grace");
    long now = System.nanoTime();
    inside.forEach(vm -> r.connect(vm, back, now, false));
    boolean ok = Registrations.await(inside, vm -> vm.registered, r.settleNanos);
    ok &= Registrations.await(after, vm -> vm.removed, r.removalTimeout(perSet * 2)) & Registrations.await(never, vm -> vm.removed, 0);
    Step late = new Step("C back after removal");
    r.connectAt(after, 500, late);
    ok &= Registrations.await(after, vm -> vm.registered && vm.converged, r.settleNanos);
    Thread.sleep(r.grace.toMillis() * 3); // harness: past the grace check of the early returners' disconnect
    Map<String, String> nowUids = new HashMap<>();
    r.server.workloadEntries().forEach(e -> nowUids.put(e.name(), e.uid()));
    long insideKept = inside.stream().filter(vm -> uids.get(vm.entryName()) != null
        && uids.get(vm.entryName()).equals(nowUids.get(vm.entryName())) && vm.gone.get() == 0).count();
    long afterNew = after.stream().filter(vm -> nowUids.containsKey(vm.entryName())
        && !nowUids.get(vm.entryName()).equals(uids.get(vm.entryName()))).count();
    long neverGone = never.stream().filter(vm -> !nowUids.containsKey(vm.entryName())).count();
    System.out.println("| set | VMs | outcome as expected | reconnect: registration p50 / p99 / max ms | convergence "
        + "p50 / p99 / max ms |");
    System.out.println("|---|---|---|---|---|");
    System.out.printf("| back inside grace | %d | %d kept their entry (same uid, never left any watcher) | %s | |%n",
        perSet, insideKept, Step.millis(back.registration));
    System.out.printf("| back after removal | %d | %d have a new entry | %s | %s |%n", perSet, afterNew,
        Step.millis(late.registration), Step.millis(late.convergence));
    System.out.printf("| never back | %d | %d removed | | |%n", perSet, neverGone);
    if (!ok || insideKept != perSet || afterNew != perSet || neverGone != perSet) {
      r.problems.add("C: outcomes differ from the expected ones (see the table)");
    }
    Step drain = new Step("C drain");
    inside.forEach(vm -> r.disconnect(vm, drain, true));
    after.forEach(vm -> r.disconnect(vm, drain, true));
    if (!Registrations.await(everyone, vm -> vm.removed, r.removalTimeout(perSet * 2))) {
      r.problems.add("C: entries not removed after the last disconnect");
    }
  }
}
