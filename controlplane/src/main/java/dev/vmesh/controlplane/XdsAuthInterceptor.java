package dev.vmesh.controlplane;

import dev.vmesh.ca.Authenticator;
import dev.vmesh.ca.Caller;
import dev.vmesh.ca.PeerCredentials;
import dev.vmesh.xds.XdsServer;
import io.grpc.Context;
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
 * UNAUTHENTICATED before any config is sent. The proven SPIFFE id is handed to the xDS server. Runs
 * after {@link PeerCredentials#interceptor()}.
 */
final class XdsAuthInterceptor implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(XdsAuthInterceptor.class);
  private final Authenticator authenticator;

  XdsAuthInterceptor(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    Caller caller;
    try {
      caller = authenticator.authenticate(PeerCredentials.PEER_CERTIFICATES.get(), PeerCredentials.BEARER_TOKEN.get());
    } catch (StatusException e) {
      LOG.warn("event=xds_unauthenticated status={} reason=\"{}\"", e.getStatus().getCode(),
          e.getStatus().getDescription());
      call.close(e.getStatus(), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Context ctx = Context.current().withValue(XdsServer.PEER_IDENTITY, caller.identity().uri());
    return Contexts.interceptCall(ctx, call, headers, next);
  }
}
