package dev.vmesh.e2e;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.util.concurrent.Executor;

/** Sends {@code authorization: Bearer <token>} with every call. */
final class BearerToken extends CallCredentials {
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
      Metadata.ASCII_STRING_MARSHALLER);
  private final String token;

  BearerToken(String token) {
    this.token = token;
  }

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
    Metadata m = new Metadata();
    m.put(AUTHORIZATION, "Bearer " + token);
    applier.apply(m);
  }
}
