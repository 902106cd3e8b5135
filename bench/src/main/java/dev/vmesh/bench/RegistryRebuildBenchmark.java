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

/** A full rebuild: loading 10k ServiceEntries and 100k WorkloadEntries into an empty registry. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 8)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class RegistryRebuildBenchmark {
  @Param({"10000"})
  int services;

  @Param({"100000"})
  int workloads;

  private List<Resource> all;

  @Setup(Level.Trial)
  public void setUp() {
    all = new ArrayList<>(Mesh.serviceEntries(services));
    all.addAll(Mesh.workloadEntries(workloads, services));
  }

  @Benchmark
  public Registry fullRebuild() {
    Registry registry = new Registry(RegistryOptions.DEFAULTS);
    registry.load(all);
    return registry;
  }
}
