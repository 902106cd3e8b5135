package dev.vmesh.bench.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.registry.ClusterKey;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code EndpointWatchers} are the xDS clients that must learn about new VMs: {@code perGroup} SotW
 * ADS streams per group, each on its own gRPC channel (one TCP connection, as a real proxy), proxyless
 * style ({@code GENERATOR=grpc}), subscribed to the EDS of {@code outbound|80||g<i>.vm.example.com}
 * and ACKing every response. Each response's endpoint addresses are compared with the previous ones,
 * and every appearance or disappearance is reported to the {@link Vm} with that address.
 */
final class EndpointWatchers implements AutoCloseable {
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  private final Map<String, Vm> vmsByIp;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final AtomicInteger synced = new AtomicInteger();
  private final AtomicInteger errors = new AtomicInteger();
  private final int count;
  private volatile boolean stopping;

  /** {@code vmsByIp} is read for every endpoint seen; the harness adds a VM before it connects. */
  EndpointWatchers(Transport transport, int[] ports, int groups, int perGroup, EventLoopGroup loop,
      Map<String, Vm> vmsByIp) {
    this.vmsByIp = vmsByIp;
    this.count = groups * perGroup;
    for (int w = 0; w < count; w++) {
      ManagedChannel ch = transport.channel(ports[w % ports.length], loop).build(); // spread over the servers
      channels.add(ch);
      new Watcher(ch, w, w % groups).start();
    }
  }

  static String cluster(int group) {
    return ClusterKey.outbound("g" + group + ".vm.example.com", 80).name();
  }

  /** Waits until every watcher had its first response; returns how many did. */
  int awaitSynced(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (synced.get() < count && System.nanoTime() < deadline) {
      Thread.sleep(20); // harness: waiting for the watchers' initial responses
    }
    return synced.get();
  }

  int errors() {
    return errors.get();
  }

  /** One watcher's stream; its callbacks run one at a time on the channel's event loop. */
  private final class Watcher implements ClientResponseObserver<DiscoveryRequest, DiscoveryResponse> {
    private final ManagedChannel channel;
    private final int number;
    private final String cluster;
    private ClientCallStreamObserver<DiscoveryRequest> requests;
    private Set<String> current = Set.of();
    private boolean first = true;

    Watcher(ManagedChannel channel, int number, int group) {
      this.channel = channel;
      this.number = number;
      this.cluster = cluster(group);
    }

    void start() {
      AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(this);
      Struct md = Struct.newBuilder()
          .putFields("NAMESPACE", Value.newBuilder().setStringValue(VmeshProcess.NAMESPACE).build())
          .putFields("GENERATOR", Value.newBuilder().setStringValue("grpc").build()).build();
      send(DiscoveryRequest.newBuilder().setTypeUrl(EDS).addResourceNames(cluster)
          .setNode(Node.newBuilder().setId("bench-watcher-" + number).setMetadata(md)).build());
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> r) {
      this.requests = r;
    }

    private synchronized void send(DiscoveryRequest r) {
      requests.onNext(r);
    }

    @Override
    public void onNext(DiscoveryResponse r) {
      long now = System.nanoTime();
      for (var any : r.getResourcesList()) {
        ClusterLoadAssignment cla;
        try {
          cla = any.unpack(ClusterLoadAssignment.class);
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalStateException(e);
        }
        if (cla.getClusterName().equals(cluster)) {
          update(cla, now);
        }
      }
      if (first) {
        first = false;
        synced.incrementAndGet();
      }
      send(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(r.getVersionInfo())
          .setResponseNonce(r.getNonce()).addResourceNames(cluster).build());
    }

    private void update(ClusterLoadAssignment cla, long now) {
      Set<String> next = new HashSet<>();
      for (LocalityLbEndpoints l : cla.getEndpointsList()) {
        for (LbEndpoint e : l.getLbEndpointsList()) {
          String ip = e.getEndpoint().getAddress().getSocketAddress().getAddress();
          if (!next.add(ip)) {
            Vm vm = vmsByIp.get(ip);
            if (vm != null) {
              vm.duplicatesInOneResponse.incrementAndGet();
            }
          }
        }
      }
      for (String ip : next) {
        if (!current.contains(ip)) {
          Vm vm = vmsByIp.get(ip);
          if (vm != null) {
            vm.onSeen(now);
          }
        }
      }
      for (String ip : current) {
        if (!next.contains(ip)) {
          Vm vm = vmsByIp.get(ip);
          if (vm != null) {
            vm.onGone(now);
          }
        }
      }
      current = next;
    }

    @Override
    public void onError(Throwable t) {
      if (!stopping) {
        errors.incrementAndGet();
        System.err.println("watcher " + number + ": " + t);
      }
    }

    @Override
    public void onCompleted() {
      if (!stopping) {
        errors.incrementAndGet();
      }
    }
  }

  @Override
  public void close() {
    stopping = true;
    channels.forEach(ManagedChannel::shutdownNow);
  }

  /** A map suitable for {@code vmsByIp}. */
  static Map<String, Vm> newIndex() {
    return new ConcurrentHashMap<>();
  }
}
