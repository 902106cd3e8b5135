package dev.vmesh.bench.xds;

import com.sun.management.OperatingSystemMXBean;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.bench.Mesh;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryOptions;
import dev.vmesh.xds.XdsCallbacks;
import dev.vmesh.xds.XdsMetrics;
import dev.vmesh.xds.XdsOptions;
import dev.vmesh.xds.XdsServer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;


/**
 * {@code BenchServer} is the server under test, run in its own JVM by {@link FanOut}: an xDS server over
 * a registry of {@code services} ServiceEntries with {@code perService} WorkloadEntries each, plus the
 * calibration service, on one port. It takes commands on stdin:
 * {@code change <workload> <weight>}, {@code blast <bytes>}, {@code blastfile <path>}, {@code stats}, {@code quit}.
 */
public final class BenchServer {
  private BenchServer() {}

  public static void main(String[] args) throws Exception {
    int services = Integer.parseInt(args[0]);
    int perService = Integer.parseInt(args[1]);
    Duration debounce = Duration.ofMillis(Long.parseLong(args[2]));
    Registry registry = new Registry(RegistryOptions.DEFAULTS);
    List<Resource> all = new ArrayList<>(Mesh.serviceEntries(services));
    all.addAll(Mesh.workloadEntries(services * perService, services));
    registry.load(all);
    PrometheusRegistry metrics = new PrometheusRegistry();
    XdsServer xds = new XdsServer(() -> registry, new XdsOptions(debounce, Duration.ofMillis(100),
        Math.max(2, Runtime.getRuntime().availableProcessors())), XdsCallbacks.NONE, new XdsMetrics(metrics),
        Clock.systemUTC());
    xds.fullPush();
    Blast blast = new Blast();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(xds.service()).addService(blast.service()).build().start();
    System.out.println("port " + ((InetSocketAddress) server.getListenSockets().get(0)).getPort());
    System.out.flush();
    var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      String[] c = line.split(" ");
      switch (c[0]) {
        case "change" -> {
          int n = Integer.parseInt(c[1]);
          long weight = Long.parseLong(c[2]);
          Resource we = Mesh.workloadEntry(n, services, 0);
          var spec = we.spec(WorkloadEntrySpec.class);
          Resource changed = we.withSpec(new WorkloadEntrySpec(spec.address(), spec.ports(), spec.labels(),
              spec.network(), spec.locality(), weight, spec.serviceAccount()));
          xds.onRegistryChange(registry.upsert(changed));
        }
        case "blast", "blastfile" -> System.out.println(blast.command(c));
        case "stats" -> {
          System.gc();
          var mem = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
          System.out.println("stats cpu=" + os.getProcessCpuTime() + " pushes=" + counter(metrics,
              "vmesh_xds_pushes") + " bytes=" + counter(metrics, "vmesh_xds_push_bytes") + " heap=" + mem.getUsed()
              + " rss=" + rss() + " connections=" + xds.connectionCount());
        }
        case "quit" -> {
          server.shutdownNow();
          xds.close();
          return;
        }
        default -> System.out.println("unknown " + line);
      }
      System.out.flush();
    }
  }

  private static double counter(PrometheusRegistry r, String name) {
    double sum = 0;
    for (var s : r.scrape()) {
      if (s instanceof CounterSnapshot cs && cs.getMetadata().getName().equals(name)) {
        for (var d : cs.getDataPoints()) {
          sum += d.getValue();
        }
      }
    }
    return sum;
  }

  static long rss() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (Exception e) {
      return -1;
    }
    return -1;
  }

}
