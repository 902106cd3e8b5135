package dev.vmesh.bench.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.bench.Mesh;
import dev.vmesh.registry.ClusterKey;
import dev.vmesh.xds.TypeUrls;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * {@code FanOut} measures how long one WorkloadEntry change takes to reach every subscribed xDS client,
 * and the floors for the same fan-out in the same run: the transport alone, the transport with an ACK
 * of the real size for every payload, and a do-nothing xDS server (a pre-built response that every
 * client parses and ACKs as it does vmesh's).
 *
 * <p>The server ({@link BenchServer}) runs in a child JVM; this JVM holds the clients (one gRPC channel,
 * so one TCP connection, each; one shared event loop) and the change driver, so send and receive times
 * share one clock. Every client subscribes (SotW, proxyless-style) to the EDS of the "hot" service plus
 * {@code scoped - 1} random others and ACKs every response. Changes are scheduled open-loop; each sets
 * the weight of one hot endpoint to the change's sequence number, so a client knows which change it sees.
 * In {@code spread} mode changes hit random endpoints anywhere instead (steady-state churn: only CPU,
 * heap and bytes are reported).
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.vmesh.bench.xds.FanOut [services] [perService] [clients]
 *     [changes] [intervalMs] [debounceMs] [scoped] [warmupChanges] [hot|spread]
 * </pre>
 *
 * With {@code -Dbench.serverCpus=0} the server is pinned to CPU 0 (run this JVM under
 * {@code taskset -c 1} for a one-core-each layout). {@code -Dbench.server=java-control-plane} runs the
 * peer ({@link JcpBenchServer}) instead of vmesh, with the same clients, changes and floor;
 * {@code -Dbench.serverClasspath=JAR} runs the server from another build (an older commit's
 * {@code benchmarks.jar}), so before and after are measured by one harness.
 */
public final class FanOut {
  /** Pushes per floor measurement. */
  private static final int FLOOR_ROUNDS = 30;

  private FanOut() {}

  public static void main(String[] args) throws Exception {
    int services = arg(args, 0, 1000);
    int perService = arg(args, 1, 10);
    int clients = arg(args, 2, 1000);
    int changes = arg(args, 3, 60);
    int intervalMs = arg(args, 4, 500);
    int debounceMs = arg(args, 5, 10);
    int scoped = arg(args, 6, 10);
    int warmup = arg(args, 7, 20);
    boolean spread = args.length > 8 && args[8].equals("spread");
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>();
    String pin = System.getProperty("bench.serverCpus");
    if (pin != null) {
      command.addAll(List.of("taskset", "-c", pin)); // e.g. -Dbench.serverCpus=0, and run this JVM under taskset -c 1
    }
    command.add(java);
    String extra = System.getProperty("bench.serverJvmArgs");
    if (extra != null) {
      command.addAll(List.of(extra.split(" "))); // e.g. -XX:StartFlightRecording=filename=server.jfr
    }
    String serverKind = System.getProperty("bench.server", "vmesh");
    String serverClass = switch (serverKind) {
      case "vmesh" -> BenchServer.class.getName();
      case "java-control-plane" -> JcpBenchServer.class.getName();
      default -> throw new IllegalArgumentException("-Dbench.server=" + serverKind
          + ": expected vmesh or java-control-plane");
    };
    command.addAll(List.of("-Xmx2g", "--sun-misc-unsafe-memory-access=allow",
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("bench.serverClasspath",
            System.getProperty("java.class.path")),
        serverClass, Integer.toString(services), Integer.toString(perService), Integer.toString(debounceMs)));
    Process server = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream()));
    PrintWriter cmd = new PrintWriter(server.getOutputStream(), true);
    String portLine = out.readLine();
    while (portLine != null && !portLine.startsWith("port ")) {
      portLine = out.readLine();
    }
    int port = Integer.parseInt(portLine.split(" ")[1]);

    NioEventLoopGroup group = new NioEventLoopGroup(2);
    Executor direct = Runnable::run;
    List<ManagedChannel> channels = new ArrayList<>();
    boolean[] stopping = {false};
    int hot = 0;
    String hotCluster = ClusterKey.outbound(Mesh.host(hot), 80).name();
    Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    Histogram perDelivery = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    Map<Long, AtomicInteger> deliveredCount = new ConcurrentHashMap<>();
    Map<Long, AtomicLong> lastDelivery = new ConcurrentHashMap<>();
    AtomicInteger initialised = new AtomicInteger();
    AtomicLong claBytes = new AtomicLong();
    AtomicReference<Any> sampleCla = new AtomicReference<>();
    Random random = new Random(1);
    Map<String, Double> beforeConnect = parse(stats(cmd, out));
    long t0 = System.nanoTime();
    List<String> sampleNames = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).eventLoopGroup(group)
          .channelType(NioSocketChannel.class).negotiationType(NegotiationType.PLAINTEXT).executor(direct)
          .maxInboundMessageSize(64 * 1024 * 1024).build();
      channels.add(ch);
      List<String> names = new ArrayList<>();
      names.add(hotCluster);
      while (names.size() < scoped) {
        String n = ClusterKey.outbound(Mesh.host(1 + random.nextInt(services - 1)), 80).name();
        if (!names.contains(n)) {
          names.add(n);
        }
      }
      if (sampleNames.isEmpty()) {
        sampleNames.addAll(names);
      }
      String ns = Mesh.namespace(hot);
      var requests = new StreamObserver[1];
      long[] lastSeen = {0};
      boolean[] first = {true};
      StreamObserver<DiscoveryResponse> responses = new StreamObserver<>() {
        @Override
        public void onNext(DiscoveryResponse r) {
          long now = System.nanoTime();
          for (var any : r.getResourcesList()) {
            try {
              ClusterLoadAssignment cla = any.unpack(ClusterLoadAssignment.class);
              if (!cla.getClusterName().equals(hotCluster)) {
                continue;
              }
              if (first[0]) {
                claBytes.set(any.getValue().size());
                sampleCla.compareAndSet(null, any);
              }
              long seq = 0;
              for (LocalityLbEndpoints l : cla.getEndpointsList()) {
                for (LbEndpoint e : l.getLbEndpointsList()) {
                  seq = Math.max(seq, e.getLoadBalancingWeight().getValue());
                }
              }
              if (seq > lastSeen[0]) {
                lastSeen[0] = seq;
                Long sent = sentAt.get(seq);
                if (sent != null) {
                  synchronized (perDelivery) {
                    perDelivery.recordValue(Math.max(1, now - sent));
                  }
                  deliveredCount.computeIfAbsent(seq, k -> new AtomicInteger()).incrementAndGet();
                  lastDelivery.computeIfAbsent(seq, k -> new AtomicLong()).accumulateAndGet(now, Math::max);
                }
              }
            } catch (InvalidProtocolBufferException e) {
              throw new IllegalStateException(e);
            }
          }
          if (first[0]) {
            first[0] = false;
            initialised.incrementAndGet();
          }
          @SuppressWarnings("unchecked")
          StreamObserver<DiscoveryRequest> req = requests[0];
          synchronized (req) {
            req.onNext(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce())
                .setVersionInfo(r.getVersionInfo()).addAllResourceNames(names).build());
          }
        }

        @Override
        public void onError(Throwable t) {
          if (!stopping[0]) {
            System.err.println("client error: " + t);
          }
        }

        @Override
        public void onCompleted() {}
      };
      StreamObserver<DiscoveryRequest> req = AggregatedDiscoveryServiceGrpc.newStub(ch).streamAggregatedResources(
          responses);
      requests[0] = req;
      synchronized (req) {
        req.onNext(DiscoveryRequest.newBuilder().setTypeUrl("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment")
            .addAllResourceNames(names).setNode(Node.newBuilder().setId("bench-" + c).setMetadata(Struct.newBuilder()
                .putFields("NAMESPACE", Value.newBuilder().setStringValue(ns).build())
                .putFields("GENERATOR", Value.newBuilder().setStringValue("grpc").build()))).build());
      }
    }
    while (initialised.get() < clients) {
      Thread.sleep(50); // harness: waiting for the cold sync of all clients
    }
    double coldSyncMs = (System.nanoTime() - t0) / 1e6;
    Map<String, Double> afterConnect = parse(stats(cmd, out));
    double coldCpuSeconds = (afterConnect.get("cpu") - beforeConnect.get("cpu")) / 1e9;
    double coldBytes = afterConnect.get("bytes") - beforeConnect.get("bytes");

    // calibration: the same number of streams, messages of the CLA's size, pushed by the same server process
    int payloadBytes = (int) Math.max(64, claBytes.get());
    Histogram floor = calibrate(channels, cmd, out, Floor.push(payloadBytes), clients, intervalMs);
    // and with an answer of an ACK's size to every payload (null when the server predates it)
    int ackBytes = DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ENDPOINT).setResponseNonce("12345")
        .setVersionInfo("123456").addAllResourceNames(sampleNames).build().getSerializedSize();
    Histogram ackedFloor = calibrate(channels, cmd, out, Floor.acked(payloadBytes, ackBytes), clients, intervalMs);
    // and a do-nothing xDS server: a pre-built response with the hot CLA, which every client parses and ACKs
    // as it does a real one; the server reads the ACKs and drops them
    Path response = Files.createTempFile("fanout-response", ".bin");
    Files.write(response, DiscoveryResponse.newBuilder().setTypeUrl(TypeUrls.ENDPOINT).setVersionInfo("123456")
        .setNonce("12345").addResources(sampleCla.get()).build().toByteArray());
    Map<String, Double> beforeXds = parse(stats(cmd, out));
    Histogram xdsFloor = ackedFloor == null ? null
        : calibrate(channels, cmd, out, Floor.xds(response, sampleNames), clients, intervalMs);
    double xdsFloorCpuMs = (parse(stats(cmd, out)).get("cpu") - beforeXds.get("cpu")) / 1e6 / FLOOR_ROUNDS;
    Files.delete(response);

    // warm-up changes (JIT, caches), not counted
    for (int i = 0; i < warmup; i++) {
      cmd.println("change " + (hot + (i % perService) * services) + " " + (500 + i));
      Thread.sleep(Math.min(intervalMs, 100));
    }
    Thread.sleep(1000);
    String before = stats(cmd, out);
    long start = System.nanoTime();
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; i < changes; i++) {
      long due = start + TimeUnit.MILLISECONDS.toNanos((long) i * intervalMs);
      while (System.nanoTime() < due) {
        Thread.onSpinWait();
      }
      long seq = 1000 + i; // above the initial weights
      if (spread) { // steady churn anywhere in the mesh: only the clients that watch that service get it
        cmd.println("change " + (1 + random.nextInt(services * perService - 1)) + " " + seq);
        continue;
      }
      sentAt.put(seq, due);
      seqs.add(seq);
      int workload = hot + (i % perService) * services; // a different endpoint of the hot service each time
      cmd.println("change " + workload + " " + seq);
    }
    double changePhaseSeconds = (System.nanoTime() - start) / 1e9;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && seqs.stream().anyMatch(s -> deliveredCount.getOrDefault(s,
        new AtomicInteger()).get() < clients)) {
      Thread.sleep(20); // harness: waiting for the last deliveries
    }
    String after = stats(cmd, out);
    Histogram toLast = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    int complete = 0;
    for (long s : seqs) {
      if (deliveredCount.getOrDefault(s, new AtomicInteger()).get() >= clients) {
        complete++;
        toLast.recordValue(lastDelivery.get(s).get() - sentAt.get(s));
      }
    }
    Map<String, Double> b = parse(before);
    Map<String, Double> a = parse(after);
    double cpuMsPerChange = (a.get("cpu") - b.get("cpu")) / 1e6 / changes;
    double bytesPerChange = (a.get("bytes") - b.get("bytes")) / changes;
    double floorP50 = floor.getValueAtPercentile(50) / 1e6;
    System.out.printf("%nfan-out: server=%s%s services=%d perService=%d clients=%d scoped=%d changes=%d interval=%dms"
        + " debounce=%dms%n", serverKind, System.getProperty("bench.serverClasspath") == null ? ""
        : " (" + System.getProperty("bench.serverClasspath") + ")", services, perService, clients, scoped, changes,
        intervalMs, debounceMs);
    System.out.printf("cold sync of all clients: %.0f ms; CLA size %d B; server CPU %.2f s (%.1f ms per client);"
        + " resource bytes sent %.0f%n", coldSyncMs, claBytes.get(), coldCpuSeconds, coldCpuSeconds * 1000 / clients,
        coldBytes);
    if (!spread) {
      System.out.printf("| metric | p50 | p99 | max |%n|---|---|---|---|%n");
      System.out.printf("| change -> every client has it (ms) | %.1f | %.1f | %.1f |%n",
          toLast.getValueAtPercentile(50) / 1e6, toLast.getValueAtPercentile(99) / 1e6, toLast.getMaxValue() / 1e6);
      System.out.printf("| change -> one client has it (ms) | %.1f | %.1f | %.1f |%n",
          perDelivery.getValueAtPercentile(50) / 1e6, perDelivery.getValueAtPercentile(99) / 1e6,
          perDelivery.getMaxValue() / 1e6);
      System.out.printf("| transport floor: same bytes to every client (ms) | %.1f | %.1f | %.1f |%n", floorP50,
          floor.getValueAtPercentile(99) / 1e6, floor.getMaxValue() / 1e6);
      if (ackedFloor != null) {
        System.out.printf("| transport floor with ACKs: same bytes, each answered with %d B (ms) | %.1f | %.1f | %.1f |%n",
            ackBytes, ackedFloor.getValueAtPercentile(50) / 1e6, ackedFloor.getValueAtPercentile(99) / 1e6,
            ackedFloor.getMaxValue() / 1e6);
      }
      if (xdsFloor != null) {
        System.out.printf("| xDS floor: a pre-built response, parsed and ACKed by every client (ms)"
            + " | %.1f | %.1f | %.1f |%n", xdsFloor.getValueAtPercentile(50) / 1e6, xdsFloor.getValueAtPercentile(99) / 1e6,
            xdsFloor.getMaxValue() / 1e6);
        System.out.printf("server CPU per push of the xDS floor: %.1f ms%n", xdsFloorCpuMs);
      }
    }
    System.out.printf("server CPU during the change phase: %.3f cores (%.1f changes/s)%n",
        (a.get("cpu") - b.get("cpu")) / 1e9 / changePhaseSeconds, changes / changePhaseSeconds);
    if (!spread) {
      System.out.printf("changes complete: %d/%d; efficiency (floor p50 / to-last p50): %.2f%n", complete, changes,
          floorP50 / (toLast.getValueAtPercentile(50) / 1e6));
    }
    System.out.printf("resource bytes sent per change: %.0f; server CPU per change: %.1f ms; server heap after GC: "
        + "%.0f MB; RSS %.0f MB%n", bytesPerChange, cpuMsPerChange, a.get("heap") / 1e6, a.get("rss") / 1e6);
    stopping[0] = true;
    cmd.println("quit");
    server.waitFor(10, TimeUnit.SECONDS);
    server.destroyForcibly();
    channels.forEach(ManagedChannel::shutdownNow);
    group.shutdownGracefully();
    System.exit(0);
  }

  /**
   * One way to measure the floor: what the server pushes ({@code blast} command), whether each client
   * answers on the same stream, and what it does with a payload before answering.
   */
  private record Floor(String command, boolean acked, Function<byte[], byte[]> answer) {
    /** Pre-serialized bytes; clients only receive. */
    static Floor push(int bytes) {
      return new Floor("blast " + bytes, false, null);
    }

    /** Pre-serialized bytes; each client answers every payload with {@code ackBytes} bytes. */
    static Floor acked(int bytes, int ackBytes) {
      byte[] ack = new byte[ackBytes];
      return new Floor("blast " + bytes, true, payload -> ack);
    }

    /** A pre-built xDS response; each client parses it, unpacks its load assignments and ACKs it. */
    static Floor xds(Path response, List<String> names) {
      return new Floor("blastfile " + response, true, payload -> {
        try {
          DiscoveryResponse r = DiscoveryResponse.parseFrom(payload);
          for (Any any : r.getResourcesList()) {
            any.unpack(ClusterLoadAssignment.class);
          }
          return DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce())
              .setVersionInfo(r.getVersionInfo()).addAllResourceNames(names).build().toByteArray();
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalStateException(e);
        }
      });
    }
  }

  /**
   * Pushes {@code floor}'s payload to every client {@link #FLOOR_ROUNDS} times; per round, time to the
   * last client. Returns null when the server does not offer the acknowledged stream (an older build).
   */
  private static Histogram calibrate(List<ManagedChannel> channels, PrintWriter cmd, BufferedReader out, Floor floor,
      int clients, int intervalMs) throws Exception {
    Map<Integer, AtomicInteger> arrived = new ConcurrentHashMap<>();
    Map<Integer, AtomicLong> last = new ConcurrentHashMap<>();
    AtomicInteger round = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<ClientCall<byte[], byte[]>> calls = new ArrayList<>();
    for (ManagedChannel ch : channels) {
      ClientCall<byte[], byte[]> call = ch.newCall(floor.acked() ? Blast.SUBSCRIBE_ACKED : Blast.SUBSCRIBE,
          CallOptions.DEFAULT);
      var received = new StreamObserver<byte[]>() {
        StreamObserver<byte[]> requests;

        @Override
        public void onNext(byte[] value) {
          long now = System.nanoTime();
          int r = round.get();
          arrived.computeIfAbsent(r, k -> new AtomicInteger()).incrementAndGet();
          last.computeIfAbsent(r, k -> new AtomicLong()).accumulateAndGet(now, Math::max);
          if (floor.acked()) {
            requests.onNext(floor.answer().apply(value));
          }
        }

        @Override
        public void onError(Throwable t) {
          failed.incrementAndGet();
        }

        @Override
        public void onCompleted() {}
      };
      if (floor.acked()) {
        received.requests = ClientCalls.asyncBidiStreamingCall(call, received);
      } else {
        ClientCalls.asyncServerStreamingCall(call, new byte[0], received);
      }
      calls.add(call);
    }
    Thread.sleep(500); // harness: let every subscription reach the server
    if (failed.get() > 0) {
      return null;
    }
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    for (int r = 1; r <= FLOOR_ROUNDS; r++) {
      round.set(r);
      long sent = System.nanoTime();
      cmd.println(floor.command());
      out.readLine();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (arrived.getOrDefault(r, new AtomicInteger()).get() < clients && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      h.recordValue(Math.max(1, last.getOrDefault(r, new AtomicLong(sent)).get() - sent));
      Thread.sleep(Math.min(intervalMs, 100));
    }
    calls.forEach(c -> c.cancel("calibrated", null));
    return h;
  }

  private static String stats(PrintWriter cmd, BufferedReader out) throws Exception {
    cmd.println("stats");
    String line;
    while ((line = out.readLine()) != null && !line.startsWith("stats")) {
      // skip other output
    }
    return line;
  }

  private static Map<String, Double> parse(String stats) {
    Map<String, Double> m = new HashMap<>();
    for (String kv : stats.substring(6).split(" ")) {
      String[] p = kv.split("=");
      m.put(p[0], Double.parseDouble(p[1]));
    }
    return m;
  }

  private static int arg(String[] args, int i, int dflt) {
    return args.length > i ? Integer.parseInt(args[i]) : dflt;
  }
}
