package dev.vmesh.bench.xds;

import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code VmeshProcess} is the real server ({@code java -jar dist/target/vmesh.jar server}) in a child
 * process for {@link Registrations}: a fresh data directory, a config directory with {@code groups}
 * WorkloadGroups {@code g<i>} in namespace {@code vm} and one ServiceEntry {@code g<i>.vm.example.com}
 * selecting each, xDS on a free loopback port (mutual TLS with identity checks, or plaintext without
 * them; see {@link Transport}), the log in {@code server.log}. It also reads
 * what the harness checks from outside: CPU time and RSS from {@code /proc}, WorkloadEntries through
 * the admin API, and how often each entry was created according to the log.
 */
final class VmeshProcess implements AutoCloseable {
  static final String NAMESPACE = "vm";
  private static final Pattern REGISTERED = Pattern.compile(
      "event=workload_entry_registered entry=WorkloadEntry " + NAMESPACE + "/(\\S+)");
  private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux we run on

  private final Process process;
  private final Path dir;
  private final int xdsPort;
  private final int httpPort;
  private final Transport transport;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private String token;

  private VmeshProcess(Process process, Path dir, int xdsPort, int httpPort, Transport transport) {
    this.transport = transport;
    this.process = process;
    this.dir = dir;
    this.xdsPort = xdsPort;
    this.httpPort = httpPort;
  }

  /**
   * Starts the server and waits until it is ready. {@code jvmArgs} go before {@code -jar} (e.g. a JFR
   * recording); {@code cpus}, when not null, pins it with {@code taskset -c}; {@code tls}: mutual TLS
   * and workload identity checks as in production, else plaintext without them.
   */
  static VmeshProcess start(Path jar, int groups, Duration grace, double cleanupRate, List<String> jvmArgs,
      String cpus, boolean tls) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("vmesh-registrations-");
    Path config = Files.createDirectories(dir.resolve("config"));
    Files.writeString(config.resolve("groups.yaml"), groupsYaml(groups));
    int xds = freePort();
    int http = freePort();
    List<String> command = new ArrayList<>();
    if (cpus != null) {
      command.addAll(List.of("taskset", "-c", cpus));
    }
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
    command.addAll(jvmArgs);
    command.addAll(List.of("-jar", jar.toString(), "server", "--data-dir", dir.resolve("data").toString(),
        "--config", config.toString(), "--http-address", "127.0.0.1:" + http,
        "--workload-grace-period", grace.toMillis() + "ms", "--workload-cleanup-rate", Double.toString(cleanupRate)));
    Transport transport;
    if (tls) {
      transport = Transport.mutualTls(Files.createDirectories(dir.resolve("data").resolve("ca")), NAMESPACE, "default");
      command.addAll(List.of("--xds-address", "127.0.0.1:" + xds, "--xds-plaintext-address", "off"));
    } else {
      transport = Transport.plaintext();
      command.addAll(List.of("--xds-plaintext-address", "127.0.0.1:" + xds, "--xds-address", "off",
          "--no-validate-workload-identity"));
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("server.log").toFile()).start();
    VmeshProcess server = new VmeshProcess(p, dir, xds, http, transport);
    server.awaitReady();
    return server;
  }

  private static String groupsYaml(int groups) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < groups; i++) {
      b.append("""
          apiVersion: networking.istio.io/v1
          kind: WorkloadGroup
          metadata: {name: g%1$d, namespace: vm}
          spec:
            metadata:
              labels: {app: g%1$d}
            template:
              ports: {http: 8080}
          ---
          apiVersion: networking.istio.io/v1
          kind: ServiceEntry
          metadata: {name: g%1$d, namespace: vm}
          spec:
            hosts: [g%1$d.vm.example.com]
            location: MESH_INTERNAL
            ports:
            - {number: 80, name: http, protocol: HTTP}
            resolution: STATIC
            workloadSelector:
              labels: {app: g%1$d}
          ---
          """.formatted(i));
    }
    return b.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("server exited with " + process.exitValue() + "; see " + dir.resolve("server.log"));
      }
      try {
        var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready")).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          token = Files.readString(dir.resolve("data").resolve("admin-token")).trim();
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200); // harness: polling the server's readiness
    }
    throw new IOException("server not ready after 90 s; see " + dir.resolve("server.log"));
  }

  int xdsPort() {
    return xdsPort;
  }

  Transport transport() {
    return transport;
  }

  long pid() {
    return process.pid();
  }

  Path directory() {
    return dir;
  }

  /**
   * What one disk sync costs where the store lives right now: 200 writes of 4 KiB to a file next to it,
   * each followed by {@code fsync}; {@code p50 / p99} in milliseconds. The store syncs once per group.
   */
  String fsyncProbe() throws IOException {
    Path probe = dir.resolve("fsync-probe");
    long[] nanos = new long[200];
    try (var ch = java.nio.channels.FileChannel.open(probe, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer block = java.nio.ByteBuffer.allocate(4096);
      for (int i = 0; i < nanos.length; i++) {
        block.clear();
        long t0 = System.nanoTime();
        ch.write(block);
        ch.force(false);
        nanos[i] = System.nanoTime() - t0;
      }
    } finally {
      Files.deleteIfExists(probe);
    }
    java.util.Arrays.sort(nanos);
    return String.format("%.2f / %.2f ms", nanos[nanos.length / 2] / 1e6, nanos[nanos.length * 99 / 100] / 1e6);
  }

  /** User plus system CPU time of the server so far, from {@code /proc/<pid>/stat}. */
  long cpuNanos() {
    try {
      String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
      return ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Resident set size in bytes, from {@code /proc/<pid>/status}. */
  long rssBytes() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/" + process.pid() + "/status"))) {
      return lines.filter(l -> l.startsWith("VmRSS:")).findFirst()
          .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).orElse(-1L);
    } catch (IOException e) {
      return -1;
    }
  }

  /** Responses the server sent so far, by xDS type ({@code vmesh_xds_pushes_total} from /metrics). */
  Map<String, Long> responsesByType() throws IOException, InterruptedException {
    var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    Map<String, Long> out = new java.util.TreeMap<>();
    Matcher m = Pattern.compile("(?m)^vmesh_xds_pushes_total\\{type=\"(\\w+)\"} ([0-9.eE+]+)$").matcher(r.body());
    while (m.find()) {
      out.put(m.group(1), (long) Double.parseDouble(m.group(2)));
    }
    return out;
  }

  /** One WorkloadEntry as the admin API shows it. */
  record Entry(String name, String uid, String address) {}

  /** The WorkloadEntries in namespace {@value #NAMESPACE}, from the admin API. */
  List<Entry> workloadEntries() throws IOException, InterruptedException {
    var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
            + "/apis/networking.istio.io/v1/namespaces/" + NAMESPACE + "/workloadentries"))
        .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("admin API answered " + r.statusCode() + ": " + r.body());
    }
    SourceNode doc = SourceParser.parseJson("list", r.body()).documents().get(0);
    List<Entry> out = new ArrayList<>();
    for (SourceNode item : ((SourceNode.ListNode) field(doc, "items")).items()) {
      SourceNode meta = field(item, "metadata");
      out.add(new Entry(text(field(meta, "name")), text(field(meta, "uid")), text(field(field(item, "spec"),
          "address"))));
    }
    return out;
  }

  private static SourceNode field(SourceNode n, String key) {
    var f = ((SourceNode.MapNode) n).fields().get(key);
    return f == null ? null : f.value();
  }

  private static String text(SourceNode n) {
    return n instanceof SourceNode.Scalar s ? s.text() : "";
  }

  /** How many times the server logged creating each entry (by name), over the whole run. */
  Map<String, Integer> creationsPerEntry() throws IOException {
    Map<String, Integer> out = new HashMap<>();
    try (Stream<String> lines = Files.lines(dir.resolve("server.log"))) {
      lines.forEach(l -> {
        Matcher m = REGISTERED.matcher(l);
        if (m.find()) {
          out.merge(m.group(1), 1, Integer::sum);
        }
      });
    }
    return out;
  }

  /** Stops the server (SIGTERM, then SIGKILL after 15 s). */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Removes the data and config directories, keeping nothing but what {@code keep} names. */
  void deleteFiles(boolean keepLog) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        if (keepLog && (p.equals(dir) || p.getFileName().toString().equals("server.log")
            || p.getFileName().toString().endsWith(".jfr"))) {
          continue;
        }
        Files.deleteIfExists(p);
      }
    }
  }
}
