package dev.vmesh.bench.xds;

import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import dev.vmesh.ca.CertificateAuthority;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 *
 * <p>With {@code replicas > 1} it is several servers sharing a real etcd ({@code etcd} from Debian's
 * {@code etcd-server}, started here on free loopback ports with its data next to the servers'), each
 * with its own data directory, ports and log ({@code server-<i>.log}), one CA directory and one
 * secrets key; CPU time then counts the servers and etcd together.
 */
final class VmeshProcess implements AutoCloseable {
  static final String NAMESPACE = "vm";
  private static final Pattern REGISTERED = Pattern.compile(
      "event=workload_entry_registered entry=WorkloadEntry " + NAMESPACE + "/(\\S+)");
  private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux we run on

  private final List<Process> processes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  private final Path dir;
  private final int[] xdsPorts;
  private final int[] httpPorts;
  private final Transport transport;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Process etcd;
  private String token;

  private VmeshProcess(Path dir, int replicas, Transport transport) throws IOException {
    this.transport = transport;
    this.dir = dir;
    this.xdsPorts = new int[replicas];
    this.httpPorts = new int[replicas];
    for (int i = 0; i < replicas; i++) {
      xdsPorts[i] = freePort();
      httpPorts[i] = freePort();
    }
  }

  /**
   * Starts the server and waits until it is ready. {@code jvmArgs} go before {@code -jar} (e.g. a JFR
   * recording); {@code cpus}, when not null, pins it with {@code taskset -c}; {@code tls}: mutual TLS
   * and workload identity checks as in production, else plaintext without them.
   */
  static VmeshProcess start(Path jar, int groups, Duration grace, double cleanupRate, List<String> jvmArgs,
      String cpus, boolean tls, int replicas) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("vmesh-registrations-");
    Path config = Files.createDirectories(dir.resolve("config"));
    Files.writeString(config.resolve("groups.yaml"), groupsYaml(groups));
    Path caDir = Files.createDirectories(replicas > 1 ? dir.resolve("ca") : dir.resolve("data-0").resolve("ca"));
    Transport transport = tls ? Transport.mutualTls(caDir, NAMESPACE, "default") : Transport.plaintext();
    if (!tls && replicas > 1) { // the replicas load one CA from --ca-dir; none of them should create it
      CertificateAuthority.loadOrCreate(caDir, "cluster.local", Clock.systemUTC());
    }
    VmeshProcess servers = new VmeshProcess(dir, replicas, transport);
    List<String> shared = new ArrayList<>();
    if (replicas > 1) {
      int client = servers.startEtcd(cpus);
      Path key = dir.resolve("secrets.key");
      Files.writeString(key, Base64.getEncoder().encodeToString(new SecureRandom()
          .generateSeed(32)) + "\n");
      shared.addAll(List.of("--store", "etcd://127.0.0.1:" + client, "--secrets-key-file", key.toString(),
          "--ca-dir", caDir.toString()));
    }
    for (int i = 0; i < replicas; i++) {
      List<String> command = new ArrayList<>();
      if (cpus != null) {
        command.addAll(List.of("taskset", "-c", cpus));
      }
      command.add(ProcessHandle.current().info().command().orElse("java"));
      command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
      command.addAll(jvmArgs);
      command.addAll(List.of("-jar", jar.toString(), "server", "--data-dir", dir.resolve("data-" + i).toString(),
          "--config", config.toString(), "--http-address", "127.0.0.1:" + servers.httpPorts[i],
          "--replica-name", "replica-" + i, "--workload-grace-period", grace.toMillis() + "ms",
          "--workload-cleanup-rate", Double.toString(cleanupRate), "--allow-empty-store"));
      command.addAll(shared);
      if (tls) {
        command.addAll(List.of("--xds-address", "127.0.0.1:" + servers.xdsPorts[i], "--xds-plaintext-address", "off"));
      } else {
        command.addAll(List.of("--xds-plaintext-address", "127.0.0.1:" + servers.xdsPorts[i], "--xds-address", "off",
            "--no-validate-workload-identity"));
      }
      Path log = dir.resolve(replicas > 1 ? "server-" + i + ".log" : "server.log");
      servers.logs.add(log);
      servers.processes.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }
    for (int i = 0; i < replicas; i++) {
      servers.awaitReady(i);
    }
    return servers;
  }

  /** Starts etcd on free loopback ports with its data in this directory; returns its client port. */
  private int startEtcd(String cpus) throws IOException, InterruptedException {
    int client = freePort();
    int peer = freePort();
    String c = "http://127.0.0.1:" + client;
    String p = "http://127.0.0.1:" + peer;
    List<String> command = new ArrayList<>();
    if (cpus != null) {
      command.addAll(List.of("taskset", "-c", cpus));
    }
    command.addAll(List.of("etcd", "--name", "bench", "--data-dir", dir.resolve("etcd").toString(),
        "--listen-client-urls", c, "--advertise-client-urls", c, "--listen-peer-urls", p,
        "--initial-advertise-peer-urls", p, "--initial-cluster", "bench=" + p));
    Path log = dir.resolve("etcd.log");
    etcd = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!etcd.isAlive()) {
        throw new IOException("etcd exited with " + etcd.exitValue() + " (apt-get install -y etcd-server); see " + log);
      }
      try {
        var r = http.send(HttpRequest.newBuilder(URI.create(c + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("true")) {
          return client;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100); // harness: polling etcd's health
    }
    throw new IOException("etcd not healthy after 30 s; see " + log);
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

  private void awaitReady(int replica) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    Process process = processes.get(replica);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("server exited with " + process.exitValue() + "; see " + logs.get(replica));
      }
      try {
        var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts[replica] + "/ready"))
            .build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          token = Files.readString(dir.resolve("data-" + replica).resolve("admin-token")).trim();
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200); // harness: polling the server's readiness
    }
    throw new IOException("server not ready after 90 s; see " + logs.get(replica));
  }

  /** The xDS port of each replica. */
  int[] xdsPorts() {
    return xdsPorts.clone();
  }

  int replicas() {
    return xdsPorts.length;
  }

  Transport transport() {
    return transport;
  }

  long pid() {
    return processes.get(0).pid();
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
    try (var ch = FileChannel.open(probe, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE)) {
      ByteBuffer block = ByteBuffer.allocate(4096);
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
    Arrays.sort(nanos);
    return String.format("%.2f / %.2f ms", nanos[nanos.length / 2] / 1e6, nanos[nanos.length * 99 / 100] / 1e6);
  }

  /** User plus system CPU time of the servers (and etcd) so far, from {@code /proc/<pid>/stat}. */
  long cpuNanos() {
    long sum = 0;
    for (Process p : processes) {
      sum += cpuNanos(p.pid());
    }
    return etcd == null ? sum : sum + cpuNanos(etcd.pid());
  }

  private static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
      return ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Resident set size of the first server in bytes, from {@code /proc/<pid>/status}. */
  long rssBytes() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/" + pid() + "/status"))) {
      return lines.filter(l -> l.startsWith("VmRSS:")).findFirst()
          .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).orElse(-1L);
    } catch (IOException e) {
      return -1;
    }
  }

  /** Responses the servers sent so far, by xDS type ({@code vmesh_xds_pushes_total} from /metrics). */
  Map<String, Long> responsesByType() throws IOException, InterruptedException {
    Map<String, Long> out = new TreeMap<>();
    for (int port : httpPorts) {
      var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      Matcher m = Pattern.compile("(?m)^vmesh_xds_pushes_total\\{type=\"(\\w+)\"} ([0-9.eE+]+)$").matcher(r.body());
      while (m.find()) {
        out.merge(m.group(1), (long) Double.parseDouble(m.group(2)), Long::sum);
      }
    }
    return out;
  }

  /** One WorkloadEntry as the admin API shows it. */
  record Entry(String name, String uid, String address) {}

  /** The WorkloadEntries in namespace {@value #NAMESPACE}, from the admin API. */
  List<Entry> workloadEntries() throws IOException, InterruptedException {
    var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts[0]
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

  /** How many times the servers logged creating each entry (by name), over the whole run. */
  Map<String, Integer> creationsPerEntry() throws IOException {
    Map<String, Integer> out = new HashMap<>();
    for (Path log : logs) {
      try (Stream<String> lines = Files.lines(log)) {
        lines.forEach(l -> {
          Matcher m = REGISTERED.matcher(l);
          if (m.find()) {
            out.merge(m.group(1), 1, Integer::sum);
          }
        });
      }
    }
    return out;
  }

  /** Stops the servers, then etcd (SIGTERM, then SIGKILL after 15 s). */
  @Override
  public void close() throws InterruptedException {
    List<Process> all = new ArrayList<>(processes);
    if (etcd != null) {
      all.add(etcd);
    }
    for (Process p : all) {
      p.destroy();
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Removes the data and config directories, keeping nothing but what {@code keep} names. */
  void deleteFiles(boolean keepLog) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        if (keepLog && (p.equals(dir) || p.getFileName().toString().endsWith(".log")
            || p.getFileName().toString().endsWith(".jfr"))) {
          continue;
        }
        Files.deleteIfExists(p);
      }
    }
  }
}
