package dev.vmesh.cli;

import dev.vmesh.api.Listeners;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vmesh demo}: a one-method gRPC service ({@code vmesh.demo.Hello/Say}, plain-text messages, no
 * generated code) and a client for it that resolves {@code xds:///} targets with grpc-java's own xDS
 * client, so that a newcomer can watch a proxyless gRPC client follow the mesh on one machine.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "A small gRPC service and a proxyless gRPC client, to try the mesh on one machine.",
    subcommands = {DemoCommand.Serve.class, DemoCommand.Call.class})
final class DemoCommand {
  static final MethodDescriptor<String, String> SAY = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("vmesh.demo.Hello/Say")
      .setRequestMarshaller(Text.INSTANCE).setResponseMarshaller(Text.INSTANCE).build();

  /** UTF-8 text as a gRPC message, capped at 64 KiB. */
  enum Text implements MethodDescriptor.Marshaller<String> {
    INSTANCE;

    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readNBytes(64 * 1024), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** {@code vmesh demo serve}. */
  @Command(name = "serve", mixinStandardHelpOptions = true,
      description = {"Serve vmesh.demo.Hello/Say on one address until stopped; each answer names this server.",
          "Example: vmesh demo serve --listen 127.0.0.1:9091 --name hello-1"})
  static final class Serve implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--listen", defaultValue = "127.0.0.1:9091", paramLabel = "HOST:PORT",
        converter = Inputs.Listen.class, description = "Where to listen (default: 127.0.0.1:9091).")
    InetSocketAddress listen;

    @Option(names = "--name", paramLabel = "NAME", description = "How answers name this server (default: the"
        + " --listen address).")
    String name;

    /** Completes when the server should stop: on SIGTERM/Ctrl-C, or when a test says so. */
    final CompletableFuture<Void> stop = new CompletableFuture<>();

    @Override
    public Integer call() throws IOException {
      String at = Listeners.hostPort(listen);
      String who = name == null || name.isBlank() ? at : name;
      Server server = NettyServerBuilder.forAddress(listen,
              InsecureServerCredentials.create())
          .addService(ServerServiceDefinition.builder("vmesh.demo.Hello").addMethod(SAY,
              ServerCalls.asyncUnaryCall((request, reply) -> {
                reply.onNext("hello from " + who + " (" + at + "): " + request);
                reply.onCompleted();
              })).build())
          .build();
      try {
        server.start();
      } catch (IOException e) {
        spec.commandLine().getErr().println("vmesh demo serve: cannot listen on " + at + " ("
            + AdminClient.describe(e) + "); choose another --listen");
        return 1;
      }
      Server running = server;
      Thread hook = new Thread(() -> stop.complete(null), "shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      spec.commandLine().getOut().println("vmesh demo: " + who + " serving vmesh.demo.Hello on " + at
          + "; stop with Ctrl-C");
      spec.commandLine().getOut().flush();
      try {
        stop.join();
      } finally {
        running.shutdownNow();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // already shutting down
        }
      }
      return 0;
    }
  }

  /** {@code vmesh demo call}. */
  @Command(name = "call", mixinStandardHelpOptions = true,
      description = {"Call vmesh.demo.Hello/Say on TARGET and print who answered. An xds:/// target is resolved"
          + " the way a proxyless gRPC app resolves it: grpc-java's xDS client asks the server's xDS port for"
          + " listeners, routes, clusters and endpoints, then balances the calls over the endpoints.",
          "Example: vmesh demo call xds:///hello.demo.internal:80 --xds-server 127.0.0.1:15010 -n ns1 --count 4"})
  static final class Call implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "TARGET", description = "xds:///HOST:PORT, or HOST:PORT to call one server directly.")
    String target;

    @Option(names = "--xds-server", defaultValue = "127.0.0.1:15010", paramLabel = "HOST:PORT",
        converter = Inputs.HostPort.class, description = "The server's plaintext xDS address (vmesh server"
            + " --xds-plaintext-address) (default: 127.0.0.1:15010).")
    String xdsServer;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", paramLabel = "NS",
        converter = Inputs.Namespace.class, description = "The client's namespace, which decides what it sees"
            + " (default: default).")
    String namespace;

    @Option(names = "--bootstrap", paramLabel = "FILE", description = "A gRPC xDS bootstrap file to use instead of"
        + " --xds-server and -n, e.g. the agent's <state-dir>/grpc-bootstrap.json.")
    Path bootstrap;

    @Option(names = "--count", defaultValue = "4", paramLabel = "N",
        description = "How many calls; 0 calls until stopped (default: 4).")
    int count;

    @Option(names = "--interval", defaultValue = "500ms", paramLabel = "DURATION",
        converter = Inputs.AnyDuration.class, description = "Pause between calls (default: 500ms).")
    Duration interval;

    @Option(names = "--timeout", defaultValue = "20s", paramLabel = "DURATION",
        converter = Inputs.PositiveDuration.class,
        description = "How long each call may take, the first one including xDS resolution (default: 20s).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      if (count < 0) {
        spec.commandLine().getErr().println("vmesh demo call: --count " + count + " must be 0 or more");
        return 2;
      }
      if (target.startsWith("xds:")) {
        String config = bootstrap != null ? Files.readString(bootstrap) : bootstrapJson();
        // grpc-java reads its xDS bootstrap from here (or GRPC_XDS_BOOTSTRAP) when the first xds: channel is made
        System.setProperty("io.grpc.xds.bootstrapConfig", config);
        if (bootstrap == null) {
          out.println("xDS bootstrap: " + config.replaceAll("\\s+", " "));
        }
      }
      ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
      int failures = 0;
      try {
        for (int i = 1; count == 0 || i <= count; i++) {
          try {
            String answer = ClientCalls.blockingUnaryCall(channel, SAY, CallOptions.DEFAULT.withDeadlineAfter(
                timeout.toMillis(), TimeUnit.MILLISECONDS).withWaitForReady(), "call " + i);
            out.println(i + ": " + answer);
          } catch (StatusRuntimeException e) {
            failures++;
            out.println(i + ": failed: " + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
                : " " + e.getStatus().getDescription()));
          }
          out.flush();
          if (count == 0 || i < count) {
            Thread.sleep(interval.toMillis());
          }
        }
      } finally {
        channel.shutdownNow();
      }
      return failures == 0 ? 0 : 1;
    }

    /** A bootstrap for a proxyless client in {@link #namespace} talking plaintext xDS to {@link #xdsServer}. */
    String bootstrapJson() {
      String node = "sidecar~127.0.0.1~demo-client." + namespace + "~" + namespace + ".svc.cluster.local";
      return """
          {"xds_servers": [{"server_uri": "%s", "channel_creds": [{"type": "insecure"}],
                            "server_features": ["xds_v3"]}],
           "node": {"id": "%s", "metadata": {"NAMESPACE": "%s", "GENERATOR": "grpc"}}}
          """.formatted(xdsServer, node, namespace);
    }
  }
}
