package dev.vmesh.controlplane.autoregistration;

import dev.vmesh.api.time.ManualTimer;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.store.LocalConfigStore;
import dev.vmesh.xds.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;

/** Two replicas (pilot-1, pilot-2) sharing one store, a fake clock and timer, and proxies to connect. */
final class Fixture implements AutoCloseable {
  final ManualTimer time = new ManualTimer();
  final LocalConfigStore store = new LocalConfigStore(time);
  final AutoRegistrationController pilot1;
  final AutoRegistrationController pilot2;
  private int connections;

  Fixture() {
    this(AutoRegistrationOptions.defaults("pilot-1", "cluster.local"));
  }

  Fixture(AutoRegistrationOptions options) {
    pilot1 = new AutoRegistrationController(store, options, time, time, rv -> { });
    pilot2 = new AutoRegistrationController(store, new AutoRegistrationOptions(options.autoRegistration(),
        options.healthChecks(), options.validateIdentity(), options.gracePeriod(), options.maxConnectionAge(), "pilot-2",
        options.trustDomain(), options.cleanupsPerSecond()), time, time, rv -> { });
    pilot1.start();
    pilot2.start();
  }

  /** Creates or updates the objects, then waits until both replicas have handled the group events. */
  void apply(String yaml) {
    long last = 0;
    for (Resource r : ResourceDecoder.decode("test.yaml", yaml).resources()) {
      Resource written;
      if (store.get(r.key()).isPresent()) {
        Resource cur = store.get(r.key()).get();
        written = store.update(r.withMetadata(r.metadata().withResourceVersion(cur.resourceVersion())));
      } else {
        written = store.create(r);
      }
      if (r.kind() == Kind.WORKLOAD_GROUP) {
        last = Long.parseLong(written.resourceVersion());
      }
    }
    awaitGroupEvents(last);
  }

  /** Waits until both replicas have handled group events up to {@code revision}. */
  void awaitGroupEvents(long revision) {
    if (revision == 0) {
      return;
    }
    Awaitility.await().until(() -> seen(pilot1) >= revision && seen(pilot2) >= revision);
  }

  private static long seen(AutoRegistrationController c) {
    String rv = c.lastGroupEvent();
    return rv.isEmpty() ? 0 : Long.parseLong(rv);
  }

  static final String GROUP_A = """
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: wg-a, namespace: a}
      spec:
        metadata:
          labels: {app: a}
        template:
          ports: {http: 80}
          serviceAccount: sa-a
          weight: 1
      """;

  /** A proxy of group {@code group} at {@code ip} on {@code network}, proving {@code identity}. */
  static Proxy proxy(String group, String ip, String network, String identity) {
    Struct.Builder md = Struct.newBuilder();
    return new Proxy("sidecar~" + ip + "~vm.a~a.svc.cluster.local", "sidecar", ip.isEmpty() ? List.of() : List.of(ip),
        "a", Map.of("merge", "me"), network, "reg1/zone1/subzone1", false, group, "", "", md.build(), identity);
  }

  static Proxy proxy(String ip, String network) {
    return proxy("wg-a", ip, network, "spiffe://cluster.local/ns/a/sa/sa-a");
  }

  static Proxy withProbe(Proxy p) {
    Struct md = Struct.newBuilder().putFields("PROXY_CONFIG", Value.newBuilder().setStructValue(Struct.newBuilder()
        .putFields("readinessProbe", Value.newBuilder().setStructValue(Struct.getDefaultInstance()).build())).build())
        .build();
    return new Proxy(p.id(), p.type(), p.ips(), p.namespace(), p.labels(), p.network(), p.locality(), p.proxyless(),
        p.autoRegisterGroup(), p.workloadEntry(), p.clusterId(), md, p.identity());
  }

  String connect(AutoRegistrationController c, Proxy p) {
    String id = p.id() + "-" + (++connections);
    c.onConnect(p, id);
    return id;
  }

  Optional<Resource> entry(String name) {
    return store.get(new ResourceKey(Kind.WORKLOAD_ENTRY, "a", name));
  }

  String annotation(String entry, String key) {
    return entry(entry).orElseThrow().metadata().annotations().get(key);
  }

  void advance(Duration d) {
    time.advance(d);
  }

  @Override
  public void close() {
    pilot1.close();
    pilot2.close();
    store.close();
  }
}
