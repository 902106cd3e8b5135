package dev.vmesh.bench.sidecar;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code StaticXds} serves one fixed sidecar config over ADS (state of the world) and the two SDS
 * secrets, on loopback, and notes when Envoy asked for, was sent and acknowledged each type (ms after
 * {@link #startClock}). Responses can be held back for a while after Envoy's first request (an agent
 * still waiting for its certificate), all of them or SDS only. One thread sends everything.
 */
final class StaticXds implements AutoCloseable {
  private static final String PREFIX = "type.googleapis.com/envoy.";
  private final Map<String, List<Any>> byType = new HashMap<>();
  private final Map<String, Any> byName = new HashMap<>();
  private final Shapes.Secrets secrets;
  private final Duration hold;
  private final Duration sdsHold;
  private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
  private final Map<String, Long> timeline = new ConcurrentHashMap<>();
  private final Server server;
  private volatile long t0;
  private volatile long firstRequest = -1;

  StaticXds(List<Any> clusters, List<Any> listeners, List<Any> routes, List<Any> endpoints, Shapes.Secrets secrets,
      Duration hold, Duration sdsHold) throws IOException {
    byType.put(PREFIX + "config.cluster.v3.Cluster", clusters);
    byType.put(PREFIX + "config.listener.v3.Listener", listeners);
    for (Any a : routes) {
      byName.put("rds/" + unpack(a, RouteConfiguration.class).getName(), a);
    }
    for (Any a : endpoints) {
      byName.put("eds/" + unpack(a, ClusterLoadAssignment.class).getClusterName(), a);
    }
    this.secrets = secrets;
    this.hold = hold;
    this.sdsHold = sdsHold;
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).maxInboundMessageSize(64 << 20)
        .addService(new Ads()).addService(new Sds()).build().start();
  }

  int port() {
    return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  void startClock(long nanos) {
    t0 = nanos;
  }

  /** ms after the start for each event seen, in the order of the keys' names. */
  Map<String, Long> timeline() {
    return new LinkedHashMap<>(new java.util.TreeMap<>(timeline));
  }

  private void note(String event) {
    timeline.putIfAbsent(event, (System.nanoTime() - t0) / 1_000_000);
  }

  private static String shortType(String url) {
    return switch (url.substring(url.lastIndexOf('.') + 1)) {
      case "Cluster" -> "cds";
      case "Listener" -> "lds";
      case "RouteConfiguration" -> "rds";
      case "ClusterLoadAssignment" -> "eds";
      case "Secret" -> "sds";
      default -> url;
    };
  }

  /** Runs {@code send} once the hold (from Envoy's first request) is over. */
  private void later(Duration holdFor, Runnable send) {
    synchronized (this) {
      if (firstRequest < 0) {
        firstRequest = System.nanoTime();
      }
    }
    long due = firstRequest + holdFor.toNanos() - System.nanoTime();
    sender.schedule(send, Math.max(0, due), TimeUnit.NANOSECONDS);
  }

  private final class Ads extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
    @Override
    public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> out) {
      return new Stream(out, false);
    }
  }

  private final class Sds extends SecretDiscoveryServiceGrpc.SecretDiscoveryServiceImplBase {
    @Override
    public StreamObserver<DiscoveryRequest> streamSecrets(StreamObserver<DiscoveryResponse> out) {
      return new Stream(out, true);
    }
  }

  /** One stream: answers each type once per set of names asked for; notes ACKs and prints NACKs. */
  private final class Stream implements StreamObserver<DiscoveryRequest> {
    private final StreamObserver<DiscoveryResponse> out;
    private final boolean sds;
    private final Map<String, Set<String>> sentNames = new HashMap<>();
    private final Set<String> sentNonces = new HashSet<>();
    private int nonce;

    Stream(StreamObserver<DiscoveryResponse> out, boolean sds) {
      this.out = out;
      this.sds = sds;
    }

    @Override
    public void onNext(DiscoveryRequest r) {
      String t = shortType(r.getTypeUrl());
      note(t + "_1asked");
      if (r.hasErrorDetail()) {
        System.out.println("NACK " + t + ": " + r); // the request carries the error detail
      } else if (!r.getResponseNonce().isEmpty()) {
        synchronized (this) {
          if (sentNonces.contains(r.getResponseNonce())) {
            note(t + "_3acked");
          }
        }
      }
      Set<String> names = new HashSet<>(r.getResourceNamesList());
      later(sds ? sdsHold.plus(hold) : hold, () -> respond(r.getTypeUrl(), t, names));
    }

    private synchronized void respond(String url, String t, Set<String> names) {
      if (names.equals(sentNames.get(url))) {
        return;
      }
      List<Any> resources = new ArrayList<>();
      switch (t) {
        case "cds", "lds" -> resources.addAll(byType.get(url));
        case "eds", "rds" -> names.stream().sorted().map(n -> byName.get(t + "/" + n)).filter(a -> a != null)
            .forEach(resources::add);
        case "sds" -> names.stream().sorted().map(StaticXds.this::secret).forEach(resources::add);
        default -> {
          return;
        }
      }
      sentNames.put(url, names);
      String n = Integer.toString(++nonce);
      sentNonces.add(n);
      out.onNext(DiscoveryResponse.newBuilder().setTypeUrl(url).setVersionInfo("1").setNonce(n)
          .addAllResources(resources).build());
      note(t + "_2sent");
    }

    @Override
    public void onError(Throwable t) {
      // Envoy went away
    }

    @Override
    public void onCompleted() {
      out.onCompleted();
    }
  }

  private Any secret(String name) {
    Secret.Builder s = Secret.newBuilder().setName(name);
    if (name.equals("ROOTCA")) {
      s.setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(DataSource.newBuilder()
          .setInlineBytes(ByteString.copyFromUtf8(secrets.roots()))));
    } else {
      s.setTlsCertificate(TlsCertificate.newBuilder()
          .setCertificateChain(DataSource.newBuilder().setInlineBytes(ByteString.copyFromUtf8(secrets.chain())))
          .setPrivateKey(DataSource.newBuilder().setInlineBytes(ByteString.copyFromUtf8(secrets.key()))));
    }
    return Any.pack(s.build());
  }

  private static <T extends com.google.protobuf.Message> T unpack(Any a, Class<T> type) {
    try {
      return a.unpack(type);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    sender.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
