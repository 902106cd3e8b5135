package dev.vmesh.e2e;

import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.xds.XdsChannelCredentials;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * grpc-java as a separate program, for machines of a {@link Lan} (a network namespace needs a process of
 * its own): {@code serve PORT} is a plain-text gRPC server on every address answering {@code Who} with
 * the {@code x-forwarded-client-cert} header it got ({@value #NO_XFCC} without one), as an app behind an
 * Envoy sidecar; {@code call TARGET} is a proxyless client ({@code xds:///TARGET}, xDS credentials, the
 * bootstrap {@code GRPC_XDS_BOOTSTRAP} names) making one call that waits for the channel to be ready (at
 * most 45 s) and prints the answer, or prints the error and exits 1.
 */
public final class GrpcJavaProgram {
  static final String NO_XFCC = "no-xfcc";
  private static final Metadata.Key<String> XFCC = Metadata.Key.of("x-forwarded-client-cert",
      Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> SEEN = Context.key("xfcc");

  private GrpcJavaProgram() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length == 2 && args[0].equals("serve")) {
      serve(Integer.parseInt(args[1])).awaitTermination();
    } else if (args.length == 2 && args[0].equals("call")) {
      System.exit(call(args[1]) ? 0 : 1);
    } else {
      System.err.println("usage: GrpcJavaProgram serve PORT | call HOST:PORT");
      System.exit(2);
    }
  }

  static Server serve(int port) throws IOException {
    ServerServiceDefinition svc = ServerServiceDefinition.builder("vmesh.test.Echo")
        .addMethod(Backends.WHO, ServerCalls.asyncUnaryCall((req, out) -> {
          out.onNext(SEEN.get());
          out.onCompleted();
        })).build();
    ServerInterceptor xfcc = new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        String v = headers.get(XFCC);
        return Contexts.interceptCall(Context.current().withValue(SEEN, v == null ? NO_XFCC : v), call,
            headers, next);
      }
    };
    return NettyServerBuilder.forAddress(new InetSocketAddress("0.0.0.0", port))
        .addService(ServerInterceptors.intercept(svc, xfcc)).build().start();
  }

  static boolean call(String target) {
    ManagedChannel ch = Grpc.newChannelBuilder("xds:///" + target,
        XdsChannelCredentials.create(InsecureChannelCredentials.create())).build();
    try {
      // wait for ready: through xDS resolution and connection attempts, until the deadline
      System.out.println("answer=" + ClientCalls.blockingUnaryCall(ch, Backends.WHO,
          CallOptions.DEFAULT.withWaitForReady().withDeadlineAfter(45, TimeUnit.SECONDS), ""));
      return true;
    } catch (StatusRuntimeException e) {
      System.out.println("failed=" + e.getStatus());
      return false;
    } finally {
      ch.shutdownNow();
    }
  }
}
