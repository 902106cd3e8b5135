package dev.vmesh.bench.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code SyntheticVms} plays VM agents for {@link Registrations}: each VM opens an ADS stream with a
 * node like the vmesh agent's ({@code NAMESPACE}, {@code INSTANCE_IPS}, {@code AUTO_REGISTER_GROUP},
 * {@code LABELS}, {@code ISTIO_VERSION}, {@code VMESH_AGENT}; no probe, so no health reports) and
 * subscribes to NDS as the agent does, ACKing every response. The server answers only once the VM's
 * WorkloadEntry is in its registry, so the first response marks the registration.
 *
 * <p>Unlike real VMs, the streams are multiplexed over a fixed pool of gRPC channels (TCP
 * connections): thousands of connections would measure the kernel and the client's event loop, not
 * the registration pipeline. Closing a VM cancels its stream, which the server sees as a disconnect.
 */
final class SyntheticVms implements AutoCloseable {
  static final String NDS = "type.googleapis.com/istio.networking.nds.v1.NameTable";

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final Transport transport;
  private final int[] ports;
  private final EventLoopGroup loop;
  private volatile boolean stopping;

  /**
   * {@code channelCount} connections shared by all VMs, or 0 for a connection of its own per VM (its own
   * TCP and TLS handshake, closed when the VM leaves, as real agents do). With several servers
   * ({@code ports}), connections and VMs are spread evenly over them.
   */
  SyntheticVms(Transport transport, int[] ports, int channelCount, EventLoopGroup loop) {
    this.transport = transport;
    this.ports = ports.clone();
    this.loop = loop;
    for (int i = 0; i < channelCount; i++) {
      channels.add(transport.channel(ports[i % ports.length], loop).build());
    }
  }

  static Node node(Vm vm) {
    String ns = VmeshProcess.NAMESPACE;
    Struct labels = Struct.newBuilder().putFields("bench", string("registrations")).build();
    Struct md = Struct.newBuilder()
        .putFields("NAMESPACE", string(ns))
        .putFields("SERVICE_ACCOUNT", string("default"))
        .putFields("INSTANCE_IPS", string(vm.ip))
        .putFields("AUTO_REGISTER_GROUP", string("g" + vm.group))
        .putFields("LABELS", Value.newBuilder().setStructValue(labels).build())
        .putFields("ISTIO_VERSION", string("1.24.0"))
        .putFields("VMESH_AGENT", string("true"))
        .build();
    return Node.newBuilder().setId("sidecar~" + vm.ip + "~vm-" + vm.number + "." + ns + "~" + ns
        + ".svc.cluster.local").setCluster("g" + vm.group + "." + ns).setMetadata(md)
        .setUserAgentName("vmesh-agent").build();
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  /** Opens {@code vm}'s stream now; its first response records the registration. */
  void open(Vm vm) {
    ManagedChannel own = channels.isEmpty() ? transport.channel(ports[Math.floorMod(vm.number, ports.length)], loop)
        .build() : null;
    Stream s = new Stream(vm, own);
    vm.stream = s;
    AggregatedDiscoveryServiceGrpc.newStub(own != null ? own : channels.get(Math.floorMod(vm.number, channels.size())))
        .streamAggregatedResources(s);
    s.send(DiscoveryRequest.newBuilder().setTypeUrl(NDS).setNode(node(vm)).build());
  }

  /** Ends {@code vm}'s stream as a VM going away does. */
  void close(Vm vm) {
    Stream s = vm.stream;
    vm.stream = null;
    if (s != null) {
      s.cancel();
    }
  }

  /** One VM's ADS stream. */
  final class Stream implements ClientResponseObserver<DiscoveryRequest, DiscoveryResponse> {
    private final Vm vm;
    private final ManagedChannel own;
    private ClientCallStreamObserver<DiscoveryRequest> requests;
    private volatile boolean responded;
    private volatile boolean cancelled;

    Stream(Vm vm, ManagedChannel own) {
      this.vm = vm;
      this.own = own;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> r) {
      this.requests = r;
    }

    synchronized void send(DiscoveryRequest r) {
      if (!cancelled) {
        requests.onNext(r);
      }
    }

    synchronized void cancel() {
      cancelled = true;
      requests.cancel("VM leaves", null);
      if (own != null) {
        own.shutdownNow();
      }
    }

    @Override
    public void onNext(DiscoveryResponse r) {
      long now = System.nanoTime();
      if (!responded) {
        responded = true;
        vm.onFirstResponse(now);
      }
      send(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(r.getVersionInfo())
          .setResponseNonce(r.getNonce()).build());
    }

    @Override
    public void onError(Throwable t) {
      if (!cancelled && !stopping) {
        vm.onStreamError(!responded);
        System.err.println("vm " + vm.ip + ": " + t);
      }
    }

    @Override
    public void onCompleted() {
      if (!cancelled && !stopping) {
        vm.onStreamError(!responded);
      }
    }
  }

  @Override
  public void close() {
    stopping = true;
    channels.forEach(ManagedChannel::shutdownNow);
  }
}
