package dev.vmesh.controlplane;

import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.fuzz.FuzzBudget;
import dev.vmesh.api.fuzz.FuzzRun;
import dev.vmesh.store.EmbeddedBackend;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.LocalConfigStore;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A soak: a real server under steady churn for a bounded time. Each round, VMs of a pool of addresses
 * auto-register over 15012 (some on a connection of their own), get their clusters and go away (half-close,
 * cancel, or their connection dropped), while a ServiceEntry is created or deleted through the admin API and
 * long-lived proxies on both xDS ports follow every change with ACKs. Afterwards the server holds only the
 * long-lived streams, the proxies hold exactly the services that exist, auto-registered entries stay within
 * the pool and the proven identity, and open file descriptors, threads and the heap are back near what they
 * were after the warm-up. At full size ({@code -Dvmesh.fuzz=full}) the run lasts {@link FuzzBudget#FULL_TIME}
 * and then waits for every entry to be cleaned up after its grace period.
 */
@Tag("fuzz")
class ChurningVmsAndConfigLeaveNothingBehindSoakTest {
  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: mine, namespace: ns1}
      spec: {hosts: [mine.internal], ports: [{number: 80, name: http}], resolution: STATIC,
             workloadSelector: {labels: {app: mine}}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: grp, namespace: ns1}
      spec: {metadata: {labels: {app: mine}}, template: {serviceAccount: sa1, ports: {http: 8080}}}
      """;
  static final String COLLECTION = "/apis/networking.istio.io/v1/namespaces/ns1/serviceentries";
  static final int POOL = 24;
  static final int VMS_PER_ROUND = 4;
  static final int SERVICES = 8;
  static final int WARM_UP = 5;
  static final Duration ROUND = Duration.ofSeconds(60);
  static final Duration SETTLE = Duration.ofSeconds(30);
  static final long HEAP_BOUND = 32L << 20;
  /**
   * The store keeps its last events for watches that resume (100,000 by default): in a full run that
   * history fills (about 35 MiB of WorkloadEntries at this churn) and then stays, which is a bound, not a
   * leak. The soak keeps 1,000 (under half a MiB), so that the heap growth it measures is all else.
   */
  static final int HISTORY = 1_000;
  /** Descriptors a quiet server may hold beyond the warm-up's (pooled connections). */
  static final int FD_SLACK = 16;
  /**
   * Threads a quiet server may hold beyond the warm-up's: fixed pools fill lazily (xDS hooks up to 32,
   * entry cleanup up to 8) and gRPC's cached executor keeps idle threads for a minute. A thread kept per
   * stream passes this within the small run's 60 streams and by far in a full run.
   */
  static final int THREAD_SLACK = 48;

  @TempDir
  Path tmp;

  @Test
  void registrationAndConfigChurnLeaveNoStreamsDescriptorsThreadsOrHeapBehind() throws Exception {
    try (TlsServer s = new TlsServer(tmp, MESH, o -> o.withStore(EmbeddedBackend.opener(
            o.dataDir(), false, new LocalConfigStore.Options(true, HISTORY, 200_000))));
        FuzzRun run = FuzzRun.start("soak", FuzzBudget.of(15, 1_000_000))) {
      String token = s.token("ns1", "sa1", false);
      ManagedChannel plain = Grpc.newChannelBuilderForAddress("127.0.0.1", s.server.xdsPort(0),
          InsecureChannelCredentials.create()).build();
      List<Proxy> proxies = List.of(new Proxy(s.channel, CallOptions.DEFAULT.withCallCredentials(TlsServer.bearer(token)),
          "tls"), new Proxy(plain, CallOptions.DEFAULT, "plaintext"));
      boolean[] present = new boolean[SERVICES];
      long fds = -1;
      long threads = -1;
      Map<String, Long> namedThreads = Map.of();
      try {
        while (run.next()) {
          Random r = run.random();
          run.within(ROUND, "round " + run.index(), () -> {
            round(run, s, token, r, present);
            return null;
          });
          if (run.warmedUp(WARM_UP)) {
            settles(run, "the server holds only the proxies' streams", () -> s.server.xds().connectionCount() == 2);
            run.baseline();
            fds = openDescriptors();
            threads = ManagementFactory.getThreadMXBean().getThreadCount();
            namedThreads = threadsByName();
          }
        }
        settles(run, "both proxies hold exactly the churned services that exist", () -> proxies.stream()
            .allMatch(p -> p.holdsExactly(present)));
        for (int i = 0; i < SERVICES; i++) {
          if (present[i]) {
            s.http("DELETE", COLLECTION + "/churn-" + i, null);
            present[i] = false;
          }
        }
        settles(run, "both proxies see every churned service gone", () -> proxies.stream()
            .allMatch(p -> p.holdsExactly(present)));
        settles(run, "the server holds only the proxies' streams", () -> s.server.xds().connectionCount() == 2);
        registeredOnlyWithinThePool(run, s);
        if (fds >= 0) {
          long base = fds;
          long baseThreads = threads;
          settles(run, "open descriptors back within " + FD_SLACK + " of " + base,
              () -> openDescriptors() <= base + FD_SLACK);
          Map<String, Long> threadsAtBase = namedThreads;
          if (!settles(run, "threads back within " + THREAD_SLACK + " of " + baseThreads,
              () -> ManagementFactory.getThreadMXBean().getThreadCount() <= baseThreads + THREAD_SLACK)) {
            run.wrong("(after " + run.tried() + " rounds)", "threads by name after the warm-up " + threadsAtBase
                + ", now " + threadsByName());
          }
          run.figure("fd_growth", String.format("%+d", openDescriptors() - base));
          run.figure("thread_growth", String.format("%+d", ManagementFactory.getThreadMXBean().getThreadCount()
              - baseThreads));
        }
        if (run.budget().full()) {
          settles(run, "every auto-registered entry is cleaned up after its grace period",
              () -> autoRegistered(s).isEmpty(), Duration.ofMinutes(2));
        }
        run.figure("entries_left", Integer.toString(autoRegistered(s).size()));
        run.figure("pushes_seen", Long.toString(proxies.stream().mapToLong(p -> p.responses).sum()));
        proxies.forEach(p -> {
          if (p.error != null) {
            run.crash(p.name + " proxy", p.error);
          }
        });
      } finally {
        proxies.forEach(Proxy::close);
        plain.shutdownNow();
      }
      run.finish(HEAP_BOUND);
    }
  }

  /** VMS_PER_ROUND VMs connect and leave while one ServiceEntry is created or deleted. */
  private static void round(FuzzRun run, TlsServer s, String token, Random r, boolean[] present) throws Exception {
    Set<Integer> picked = new LinkedHashSet<>();
    while (picked.size() < VMS_PER_ROUND) {
      picked.add(1 + r.nextInt(POOL));
    }
    List<Vm> vms = new ArrayList<>();
    for (int host : picked) {
      vms.add(new Vm(s, token, "10.1.9." + host, r.nextInt(4) == 0));
    }
    int svc = r.nextInt(SERVICES);
    var answer = present[svc] ? s.http("DELETE", COLLECTION + "/churn-" + svc, null)
        : s.http("POST", COLLECTION, service(svc, r));
    if (answer.statusCode() == (present[svc] ? 200 : 201)) {
      present[svc] = !present[svc];
      run.outcome(present[svc] ? "service_created" : "service_deleted");
    } else {
      run.wrong("churn-" + svc, "the admin API answered " + answer.statusCode() + ": " + answer.body());
    }
    for (Vm vm : vms) {
      DiscoveryResponse first = vm.stream.responses.poll(10, TimeUnit.SECONDS);
      if (first == null) {
        run.hang(vm.ip, "no clusters within 10 s (error: " + vm.stream.error + ")");
      } else {
        run.outcome("vm_served");
      }
      run.outcome(vm.leave(r.nextInt(3)));
    }
  }

  /** A ServiceEntry with a few endpoints, so that clusters and endpoints change. */
  private static String service(int i, Random r) {
    StringBuilder endpoints = new StringBuilder();
    for (int e = 0, n = 1 + r.nextInt(3); e < n; e++) {
      endpoints.append(e == 0 ? "" : ", ").append("{address: 10.4.").append(i).append('.').append(1 + r.nextInt(250))
          .append('}');
    }
    return "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: churn-" + i + ", namespace: ns1}\n"
        + "spec: {hosts: [churn-" + i + ".internal], ports: [{number: 80, name: http}], resolution: STATIC, endpoints: ["
        + endpoints + "]}\n";
  }

  /** A VM that auto-registers into grp from {@code ip}, over the shared connection or one of its own. */
  private static final class Vm {
    final String ip;
    final ManagedChannel own;
    final TlsServer.Stream stream = new TlsServer.Stream();

    Vm(TlsServer s, String token, String ip, boolean ownConnection) throws IOException {
      this.ip = ip;
      this.own = ownConnection ? s.newChannel() : null;
      stream.requests = AggregatedDiscoveryServiceGrpc.newStub(own != null ? own : s.channel)
          .withCallCredentials(TlsServer.bearer(token)).streamAggregatedResources(stream);
      stream.requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl(XdsRequests.TYPES.get(0))
          .setNode(TlsServer.node("sidecar~" + ip + "~vm-" + ip.replace('.', '-') + ".ns1~ns1.svc.cluster.local",
              Map.of("INSTANCE_IPS", ip, "AUTO_REGISTER_GROUP", "grp", "NAMESPACE", "ns1"))).build());
    }

    /** Ends the stream one of three ways; the way, for the summary. */
    String leave(int how) {
      if (how == 2 && own != null) {
        own.shutdownNow();
        return "vm_connection_dropped";
      }
      if (how == 1) {
        ((ClientCallStreamObserver<DiscoveryRequest>) stream.requests).cancel("vm leaves", null);
      } else {
        stream.requests.onCompleted();
      }
      if (own != null) {
        own.shutdown();
      }
      return how == 1 ? "vm_cancelled" : "vm_half_closed";
    }
  }

  /** A proxy that stays connected through the whole soak, asks for clusters and ACKs every response. */
  private static final class Proxy implements StreamObserver<DiscoveryResponse> {
    final String name;
    final StreamObserver<DiscoveryRequest> requests;
    final Node node;
    volatile DiscoveryResponse latest;
    volatile Throwable error;
    volatile long responses;

    Proxy(ManagedChannel channel, CallOptions options, String name) {
      this.name = name;
      this.node = TlsServer.node("sidecar~10.1.0.5~" + name + ".ns1~ns1.svc.cluster.local", Map.of("NAMESPACE", "ns1"));
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).withCallCredentials(options.getCredentials())
          .streamAggregatedResources(this);
      requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(XdsRequests.TYPES.get(0)).build());
    }

    @Override
    public void onNext(DiscoveryResponse r) {
      latest = r;
      responses++;
      requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(r.getVersionInfo())
          .setResponseNonce(r.getNonce()).build());
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {
      error = new IllegalStateException("the server ended a proxy's stream");
    }

    /** Whether the latest clusters are mine's and exactly the churned services marked present. */
    boolean holdsExactly(boolean[] present) {
      DiscoveryResponse r = latest;
      if (r == null || error != null) {
        return false;
      }
      String text = r.getResourcesList().toString();
      for (int i = 0; i < present.length; i++) {
        if (text.contains("churn-" + i + ".internal") != present[i]) {
          return false;
        }
      }
      return text.contains("mine.internal");
    }

    void close() {
      requests.onCompleted();
    }
  }

  /** Auto-registered entries exist only for addresses of the pool, in ns1 for sa1. */
  private static void registeredOnlyWithinThePool(FuzzRun run, TlsServer s) {
    List<Resource> entries = autoRegistered(s);
    if (entries.size() > POOL) {
      run.wrong(entries.size() + " entries", "more auto-registered entries than the " + POOL + " addresses that connected");
    }
    for (Resource r : entries) {
      WorkloadEntrySpec spec = (WorkloadEntrySpec) r.spec();
      if (!r.metadata().namespace().equals("ns1") || !spec.serviceAccount().equals("sa1")
          || !spec.address().startsWith("10.1.9.")) {
        run.forgery(r.toString(), "an auto-registered entry outside the pool or the proven identity");
      }
    }
  }

  private static List<Resource> autoRegistered(TlsServer s) {
    return s.server.store().list(ListOptions.all()).items().stream().filter(r -> r.kind() == Kind.WORKLOAD_ENTRY
        && r.metadata().annotations().containsKey("istio.io/autoRegistrationGroup")).toList();
  }

  private static long openDescriptors() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Live threads counted by name, digits left out (grpc-default-executor-#, ...). */
  private static Map<String, Long> threadsByName() {
    return Thread.getAllStackTraces().keySet().stream().collect(Collectors.groupingBy(
        t -> t.getName().replaceAll("[0-9]+", "#"), TreeMap::new, Collectors.counting()));
  }

  private static boolean settles(FuzzRun run, String what, BooleanSupplier condition) {
    return settles(run, what, condition, SETTLE);
  }

  /**
   * Waits until {@code condition} holds; counts it as wrong (and goes on to the next check) if it does not.
   * Whether it held.
   */
  private static boolean settles(FuzzRun run, String what, BooleanSupplier condition, Duration atMost) {
    try {
      await().atMost(atMost).until(condition::getAsBoolean);
      return true;
    } catch (ConditionTimeoutException e) {
      run.wrong("(after " + run.tried() + " rounds)", "not within " + atMost.toSeconds() + " s: " + what);
      return false;
    }
  }
}
