package dev.vmesh.ca;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * {@code PeerCredentials} captures what a caller presented, for the authenticators: the client
 * certificate chain the TLS layer verified, and an {@code authorization: Bearer} token. Install
 * {@link #interceptor()} on servers whose services authenticate callers.
 */
public final class PeerCredentials {
  public static final Context.Key<X509Certificate[]> PEER_CERTIFICATES = Context.key("vmesh-peer-certificates");
  public static final Context.Key<String> BEARER_TOKEN = Context.key("vmesh-bearer-token");
  /**
   * An {@code authorization} header that was sent but is not {@code Bearer <token>}: its first word, so
   * the refusal can say what arrived instead of "no credentials".
   */
  public static final Context.Key<String> OTHER_AUTHORIZATION = Context.key("vmesh-other-authorization");
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private PeerCredentials() {}

  public static ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        X509Certificate[] certs = null;
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session != null) {
          try {
            Certificate[] peer = session.getPeerCertificates();
            certs = new X509Certificate[peer.length];
            for (int i = 0; i < peer.length; i++) {
              certs[i] = (X509Certificate) peer[i];
            }
          } catch (SSLPeerUnverifiedException noClientCertificate) {
            certs = null;
          }
        }
        String auth = headers.get(AUTHORIZATION);
        String bearer = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
        String other = auth != null && bearer == null ? scheme(auth) : null;
        Context ctx = Context.current().withValues(PEER_CERTIFICATES, certs, BEARER_TOKEN, bearer,
            OTHER_AUTHORIZATION, other);
        return Contexts.interceptCall(ctx, call, headers, next);
      }
    };
  }

  /** The first word of an authorization header, at most 20 characters, to name it in a refusal. */
  private static String scheme(String authorization) {
    String t = authorization.strip();
    int space = t.indexOf(' ');
    String word = space < 0 ? t : t.substring(0, space);
    word = word.length() > 20 ? word.substring(0, 20) + "..." : word;
    return word.isEmpty() ? "(empty)" : word.replaceAll("[^\\x21-\\x7e]", "?");
  }
}
