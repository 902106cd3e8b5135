package dev.vmesh.bench;

import dev.vmesh.api.Resource;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One WorkloadEntry changes (its address) in a registry of 10k ServiceEntries and 100k WorkloadEntries:
 * the time and allocation of {@link Registry#upsert}, which re-derives the affected service's endpoints
 * and publishes its new snapshot. Reported as a distribution (p50, p99) with {@code -prof gc} for
 * bytes per update.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class RegistryUpdateBenchmark {
  @Param({"10000"})
  int services;

  @Param({"100000"})
  int workloads;

  private Registry registry;
  private List<Resource[]> variants;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    registry = new Registry(RegistryOptions.DEFAULTS);
    List<Resource> all = new ArrayList<>(Mesh.serviceEntries(services));
    all.addAll(Mesh.workloadEntries(workloads, services));
    registry.load(all);
    variants = new ArrayList<>(workloads);
    for (int n = 0; n < workloads; n++) {
      variants.add(new Resource[] {Mesh.workloadEntry(n, services, 0), Mesh.workloadEntry(n, services, 1)});
    }
  }

  /** Each call moves a different WorkloadEntry to its other address. */
  @Benchmark
  public Registry.Changes updateOneWorkloadEntry() {
    int n = next++ % workloads;
    int round = next / workloads;
    return registry.upsert(variants.get(n)[(round + 1) & 1]);
  }
}
