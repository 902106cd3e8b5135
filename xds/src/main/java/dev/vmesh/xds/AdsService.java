package dev.vmesh.xds;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * {@code AdsService} is the gRPC face of the server: state-of-the-world and delta ADS on one service.
 * It hands each request to its connection's executor and asks for the next request only when that one
 * is handled (inbound flow control).
 */
final class AdsService extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
  /** The identity proven by the transport (set by an interceptor when mTLS is on), empty otherwise. */
  static final Context.Key<String> IDENTITY = Context.key("vmesh-peer-identity");

  private final XdsCore core;
  private final Connections connections;

  AdsService(XdsCore core, Connections connections) {
    this.core = core;
    this.connections = connections;
  }

  @Override
  public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> observer) {
    var out = (ServerCallStreamObserver<DiscoveryResponse>) observer;
    SotwConnection conn = new SotwConnection(core, connections, out);
    return stream(conn, out, DiscoveryRequest::getNode, conn::onRequest);
  }

  @Override
  public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
      StreamObserver<DeltaDiscoveryResponse> observer) {
    var out = (ServerCallStreamObserver<DeltaDiscoveryResponse>) observer;
    DeltaConnection conn = new DeltaConnection(core, connections, out);
    return stream(conn, out, DeltaDiscoveryRequest::getNode, conn::onRequest);
  }

  /**
   * Wires a call to its connection: each request is handled once the connection is open (the first one
   * opens it); {@code handler} returns false once the stream is closed.
   */
  private static <Q> StreamObserver<Q> stream(Connection conn, ServerCallStreamObserver<?> out,
      Function<Q, Node> nodeOf, Predicate<Q> handler) {
    String id = IDENTITY.get();
    String identity = id == null ? "" : id;
    out.disableAutoRequest();
    out.setCompression(Connection.COMPRESSION); // used only if the client says it takes it; per message, see sent
    out.setOnReadyHandler(conn::onReady);
    out.setOnCancelHandler(() -> conn.executor.execute(conn::closed));
    // gRPC itself ends a call whose request does not parse (UNKNOWN), telling neither the request
    // observer nor the cancel handler: only the close handler learns the stream is over
    out.setOnCloseHandler(() -> conn.executor.execute(conn::closed));
    out.request(1);
    return new StreamObserver<>() {
      @Override
      public void onNext(Q req) {
        conn.executor.execute(() -> conn.whenOpen(nodeOf.apply(req), identity, () -> {
          if (handler.test(req)) {
            out.request(1);
          }
        }));
      }

      @Override
      public void onError(Throwable t) {
        conn.executor.execute(conn::closed);
      }

      @Override
      public void onCompleted() {
        conn.executor.execute(() -> {
          if (!conn.closed) {
            out.onCompleted();
            conn.closed();
          }
        });
      }
    };
  }
}
