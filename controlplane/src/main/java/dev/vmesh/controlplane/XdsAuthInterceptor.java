package dev.vmesh.controlplane;

import dev.vmesh.ca.Authenticator;
import dev.vmesh.ca.Caller;
import dev.vmesh.ca.PeerCredentials;
import dev.vmesh.ca.RefusedException;
import dev.vmesh.xds.XdsServer;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code XdsAuthInterceptor} guards xDS on the TLS port: a call must prove an identity (a client
 * certificate from the mesh CA, or a bootstrap token for a first connection) or it is closed with
 * UNAUTHENTICATED before any config is sent. A single-use token is spent by the stream it opens (its
 * one use), so neither a second stream nor a certificate request can follow with it. The proven SPIFFE
 * id is handed to the xDS server. A refusal is logged, counted and listed on {@code /debug/refusedz} with
 * the client's address ({@link XdsServer#refusedBeforeStream}). Runs after
 * {@link PeerCredentials#interceptor()}.
 */
final class XdsAuthInterceptor implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(XdsAuthInterceptor.class);
  private final Authenticator authenticator;
  private final XdsServer xds;

  XdsAuthInterceptor(Authenticator authenticator, XdsServer xds) {
    this.authenticator = authenticator;
    this.xds = xds;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    Caller caller;
    try {
      caller = authenticator.authenticateCurrentCall();
      authenticator.spend(caller); // a single-use token opens one stream, or gets one certificate
    } catch (StatusException e) {
      LOG.warn("event=xds_unauthenticated status={} reason={} detail=\"{}\"", e.getStatus().getCode(),
          RefusedException.reasonOf(e),
          String.valueOf(e.getStatus().getDescription()).replace('"', '\'').replaceAll("[\\r\\n]+", " "));
      xds.refusedBeforeStream(String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)),
          "unauthenticated", e.getStatus());
      call.close(e.getStatus(), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Context ctx = Context.current().withValue(XdsServer.PEER_IDENTITY, caller.identity().uri());
    return Contexts.interceptCall(ctx, call, headers, next);
  }
}
