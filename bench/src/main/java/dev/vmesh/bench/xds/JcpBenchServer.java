package dev.vmesh.bench.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import com.sun.management.OperatingSystemMXBean;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.bench.Mesh;
import dev.vmesh.registry.Endpoint;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryOptions;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code JcpBenchServer} is the peer {@link FanOut} measures vmesh against: envoyproxy/java-control-plane's
 * {@code V3DiscoveryServer} over its {@code SimpleCache}, run in a child JVM exactly like
 * {@link BenchServer} and driven by the same commands on stdin ({@code change}, {@code blast},
 * {@code stats}, {@code quit}).
 *
 * <p>It holds the same registry vmesh does, so a change is the same {@code Registry.upsert}; then it
 * rebuilds the changed service's load assignment (the same fields vmesh's EDS carries: socket address,
 * health, the TLS-mode metadata, weights) and sets one new snapshot of every load assignment for its one
 * node group, versioned as a whole (a new version per change: java-control-plane's default, the naive
 * configuration of performance.md §4.4). It has no debounce: each change is a snapshot at once. Every
 * client here subscribes to the changed service, so a per-resource version would answer the same
 * watches with the same resources: SotW EDS responses carry every subscribed name.
 */
public final class JcpBenchServer {
  private static final String GROUP = "bench";

  private JcpBenchServer() {}

  public static void main(String[] args) throws Exception {
    int services = Integer.parseInt(args[0]);
    int perService = Integer.parseInt(args[1]);
    Registry registry = new Registry(RegistryOptions.DEFAULTS);
    List<Resource> all = new ArrayList<>(Mesh.serviceEntries(services));
    all.addAll(Mesh.workloadEntries(services * perService, services));
    registry.load(all);
    Map<String, ClusterLoadAssignment> loadAssignments = new ConcurrentHashMap<>();
    for (Service s : registry.services()) {
      put(loadAssignments, s);
    }
    SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    AtomicLong version = new AtomicLong();
    cache.setSnapshot(GROUP, snapshot(loadAssignments, version.incrementAndGet()));
    AtomicLong responses = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    V3DiscoveryServer discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
      @Override
      public void onV3StreamRequest(long streamId, DiscoveryRequest request) {}

      @Override
      public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}

      @Override
      public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
        responses.incrementAndGet();
        long b = 0;
        for (var any : response.getResourcesList()) {
          b += any.getValue().size();
        }
        bytes.addAndGet(b);
      }
    }, cache);
    Blast blast = new Blast();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(discovery.getAggregatedDiscoveryServiceImpl()).addService(blast.service()).build().start();
    System.out.println("port " + ((InetSocketAddress) server.getListenSockets().get(0)).getPort());
    System.out.flush();
    var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    while ((line = in.readLine()) != null) {
      String[] c = line.split(" ");
      switch (c[0]) {
        case "change" -> {
          Resource we = Mesh.workloadEntry(Integer.parseInt(c[1]), services, 0);
          var spec = we.spec(WorkloadEntrySpec.class);
          Resource changed = we.withSpec(new WorkloadEntrySpec(spec.address(), spec.ports(), spec.labels(),
              spec.network(), spec.locality(), Long.parseLong(c[2]), spec.serviceAccount()));
          for (ServiceChange change : registry.upsert(changed).changes().values()) {
            if (change.next() == null) {
              change.previous().clusters().forEach(loadAssignments::remove);
            } else {
              put(loadAssignments, change.next());
            }
          }
          cache.setSnapshot(GROUP, snapshot(loadAssignments, version.incrementAndGet()));
        }
        case "blast", "blastfile" -> System.out.println(blast.command(c));
        case "stats" -> {
          System.gc();
          var mem = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
          System.out.println("stats cpu=" + os.getProcessCpuTime() + " pushes=" + responses.get() + " bytes="
              + bytes.get() + " heap=" + mem.getUsed() + " rss=" + BenchServer.rss() + " connections=-1");
        }
        case "quit" -> {
          server.shutdownNow();
          return;
        }
        default -> System.out.println("unknown " + line);
      }
      System.out.flush();
    }
  }

  private static Snapshot snapshot(Map<String, ClusterLoadAssignment> loadAssignments, long version) {
    return Snapshot.create(List.of(), List.copyOf(loadAssignments.values()), List.of(), List.of(), List.of(),
        Long.toString(version));
  }

  /** The load assignment of each port of {@code s}, with the fields vmesh's EDS sets for a gRPC client. */
  private static void put(Map<String, ClusterLoadAssignment> out, Service s) {
    for (var port : s.ports()) {
      String name = s.cluster(port.number()).name();
      LocalityLbEndpoints.Builder group = LocalityLbEndpoints.newBuilder().setLocality(Locality.getDefaultInstance());
      long total = 0;
      for (Endpoint e : s.healthyEndpoints()) {
        if (e.servicePort() != port.number()) {
          continue;
        }
        long weight = Math.max(1, e.weight());
        total += weight;
        group.addLbEndpoints(LbEndpoint.newBuilder()
            .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder().setAddress(Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress(e.address()).setPortValue(e.port()))))
            .setHealthStatus(HealthStatus.HEALTHY)
            .setMetadata(Metadata.newBuilder().putFilterMetadata("envoy.transport_socket_match", Struct.newBuilder()
                .putFields("tlsMode", Value.newBuilder().setStringValue(e.tlsMode()).build()).build()))
            .setLoadBalancingWeight(UInt32Value.of((int) weight)));
      }
      out.put(name, ClusterLoadAssignment.newBuilder().setClusterName(name)
          .addEndpoints(group.setLoadBalancingWeight(UInt32Value.of((int) total))).build());
    }
  }
}
