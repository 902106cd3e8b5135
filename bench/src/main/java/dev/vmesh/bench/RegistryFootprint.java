package dev.vmesh.bench;

import dev.vmesh.api.Resource;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryOptions;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Retained heap per WorkloadEntry in the registry: heap after full GCs with 10k ServiceEntries and
 * 100k WorkloadEntries loaded, minus heap with the same ServiceEntries and no WorkloadEntries, divided
 * by the number of WorkloadEntries. The input objects are dropped before measuring, so only what the
 * registry keeps is counted.
 *
 * <p>Run: {@code java -Xmx4g -cp bench/target/benchmarks.jar dev.vmesh.bench.RegistryFootprint [services] [workloads]}
 */
public final class RegistryFootprint {
  private RegistryFootprint() {}

  public static void main(String[] args) throws Exception {
    int services = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int workloads = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    Registry base = build(services, 0);
    long baseHeap = usedAfterGc();
    Registry full = build(services, workloads);
    long fullHeap = usedAfterGc() - baseHeap; // both registries are alive: this is the full one alone
    long perWorkload = (fullHeap - baseHeap) / workloads;
    System.out.printf("services=%d workloads=%d registry_heap_without_workloads=%.1f MB registry_heap=%.1f MB "
        + "retained_per_workload_entry=%d B%n", services, workloads, baseHeap / 1e6, fullHeap / 1e6, perWorkload);
    System.out.println(base.services().size() + full.services().size() > 0 ? "" : "(empty)");
  }

  private static Registry build(int services, int workloads) {
    Registry r = new Registry(RegistryOptions.DEFAULTS);
    List<Resource> all = new ArrayList<>(Mesh.serviceEntries(services));
    all.addAll(Mesh.workloadEntries(workloads, services));
    r.load(all);
    return r;
  }

  private static long usedAfterGc() throws InterruptedException {
    var mem = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(200); // let the collector finish; this is a measurement harness, not a test
      used = Math.min(used, mem.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
