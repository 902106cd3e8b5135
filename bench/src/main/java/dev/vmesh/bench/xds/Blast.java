package dev.vmesh.bench.xds;

import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code Blast} is the calibration service: it pushes pre-serialized payloads to every subscriber, so a
 * run can measure what the transport alone costs for the same message size and number of streams.
 */
final class Blast {
  static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
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

  static final MethodDescriptor<byte[], byte[]> SUBSCRIBE = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.SERVER_STREAMING).setFullMethodName("vmesh.bench.Blast/Subscribe")
      .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

  /**
   * The same push, but each client answers every payload with a message of its own (as an xDS client
   * ACKs every response), which the server reads and drops: the floor of a protocol that acknowledges.
   */
  static final MethodDescriptor<byte[], byte[]> SUBSCRIBE_ACKED = SUBSCRIBE.toBuilder()
      .setType(MethodDescriptor.MethodType.BIDI_STREAMING).setFullMethodName("vmesh.bench.Blast/SubscribeAcked")
      .build();

  private final List<ServerCallStreamObserver<byte[]>> subscribers = new CopyOnWriteArrayList<>();

  ServerServiceDefinition service() {
    return ServerServiceDefinition.builder("vmesh.bench.Blast")
        .addMethod(SUBSCRIBE, ServerCalls.asyncServerStreamingCall((req, out) -> {
          var o = (ServerCallStreamObserver<byte[]>) out;
          o.setOnCancelHandler(() -> subscribers.remove(o));
          subscribers.add(o);
        }))
        .addMethod(SUBSCRIBE_ACKED, ServerCalls.asyncBidiStreamingCall(out -> {
          var o = (ServerCallStreamObserver<byte[]>) out;
          o.setOnCancelHandler(() -> subscribers.remove(o));
          subscribers.add(o);
          return new StreamObserver<byte[]>() {
            @Override
            public void onNext(byte[] ack) {} // read, as a server reads an ACK, and dropped

            @Override
            public void onError(Throwable t) {
              subscribers.remove(o);
            }

            @Override
            public void onCompleted() {
              subscribers.remove(o);
            }
          };
        })).build();
  }

  /**
   * Runs a harness command: {@code blast <bytes>} pushes that many zero bytes, {@code blastfile <path>}
   * the bytes of a file (a serialized xDS response); returns the answer line.
   */
  String command(String[] c) throws IOException {
    byte[] payload = c[0].equals("blastfile") ? Files.readAllBytes(Path.of(c[1])) : new byte[Integer.parseInt(c[1])];
    return "blasted " + send(payload);
  }

  /** Sends {@code payload} to every subscriber; returns how many got it. */
  int send(byte[] payload) {
    int n = 0;
    for (ServerCallStreamObserver<byte[]> o : subscribers) {
      synchronized (o) {
        o.onNext(payload);
      }
      n++;
    }
    return n;
  }
}
