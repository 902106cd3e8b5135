package dev.vmesh.controlplane;

import dev.vmesh.proto.ca.IstioCertificateServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * One ADS (or certificate) call that sends bytes as they are (so that truncated and random protobuf reach the server),
 * half-closes, and collects what comes back until the server ends the call.
 */
final class RawXdsCall {
  static final MethodDescriptor<byte[], byte[]> SOTW = raw(
      AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod().getFullMethodName());
  static final MethodDescriptor<byte[], byte[]> DELTA = raw(
      AggregatedDiscoveryServiceGrpc.getDeltaAggregatedResourcesMethod().getFullMethodName());
  static final MethodDescriptor<byte[], byte[]> CERTIFICATE = raw(
      IstioCertificateServiceGrpc.getCreateCertificateMethod().getFullMethodName())
      .toBuilder().setType(MethodDescriptor.MethodType.UNARY).build();

  /** The responses (raw) and the status the call ended with. */
  record Result(List<byte[]> responses, Status status) {}

  final CompletableFuture<Result> result = new CompletableFuture<>();
  private final ClientCall<byte[], byte[]> call;

  private RawXdsCall(ClientCall<byte[], byte[]> call) {
    this.call = call;
  }

  /** Starts the call, sends every message, half-closes. */
  static RawXdsCall start(Channel channel, CallOptions options, XdsRequests.Rpc rpc, List<byte[]> messages) {
    RawXdsCall c = new RawXdsCall(channel.newCall(switch (rpc) {
      case SOTW -> SOTW;
      case DELTA -> DELTA;
      case CERTIFICATE -> CERTIFICATE;
    }, options));
    List<byte[]> responses = new CopyOnWriteArrayList<>();
    c.call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        responses.add(message);
        c.call.request(1);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        c.result.complete(new Result(List.copyOf(responses), status));
      }
    }, new Metadata());
    c.call.request(1);
    for (byte[] m : messages) {
      c.call.sendMessage(m);
    }
    c.call.halfClose();
    return c;
  }

  void cancel() {
    call.cancel("the fuzzer gave up waiting", null);
  }

  /** Call credentials sending {@code value} as the authorization header, whatever it is. */
  static CallCredentials authorization(String value) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), value);
        applier.apply(m);
      }
    };
  }

  private static MethodDescriptor<byte[], byte[]> raw(String name) {
    MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.BIDI_STREAMING)
        .setFullMethodName(name).setRequestMarshaller(bytes).setResponseMarshaller(bytes).build();
  }
}
