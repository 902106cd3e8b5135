package dev.vmesh.e2e;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Real gRPC servers that answer "who are you" with their name, and a client for them. */
final class Backends {
  private Backends() {}

  /** A UTF-8 string marshaller, so the test needs no generated code. */
  static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  static final MethodDescriptor<String, String> WHO = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("vmesh.test.Echo/Who")
      .setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();

  /** Starts a backend named {@code name} on {@code ip} (any free port). */
  static Server start(String name, String ip) throws IOException {
    ServerServiceDefinition svc = ServerServiceDefinition.builder("vmesh.test.Echo")
        .addMethod(WHO, ServerCalls.asyncUnaryCall((req, out) -> {
          out.onNext(name);
          out.onCompleted();
        })).build();
    return NettyServerBuilder.forAddress(new InetSocketAddress(ip, 0)).addService(svc).build().start();
  }

  static int port(Server s) {
    return ((InetSocketAddress) s.getListenSockets().get(0)).getPort();
  }

  static String who(Channel channel) {
    return ClientCalls.blockingUnaryCall(channel, WHO, CallOptions.DEFAULT.withDeadlineAfter(5,
        TimeUnit.SECONDS), "");
  }
}
