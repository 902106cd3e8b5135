package dev.vmesh.store.etcd;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.store.EventRecorder;
import dev.vmesh.store.Fixtures;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchOptions;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What vmesh leaves in etcd: one key per object, {@code <prefix><plural>/<namespace>/<name>} (the plural
 * qualified by its group outside networking.istio.io), whose value is
 * the object's JSON without resourceVersion (that is the key's mod revision). Stores with different
 * prefixes do not see each other, and values under the prefix that are not vmesh objects are ignored.
 */
@SuppressWarnings("try") // watches closed by try-with-resources, never referenced
class ObjectsAreOneJsonKeyEachUnderThePrefixTest {
  @RegisterExtension
  static EtcdServer etcd = new EtcdServer();

  private static KeyValue read(String key) throws Exception {
    List<KeyValue> kvs = etcd.client().getKVClient().get(bytes(key)).get(10, TimeUnit.SECONDS).getKvs();
    assertThat(kvs).as("key " + key).hasSize(1);
    return kvs.get(0);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Test
  void anObjectIsItsJsonAtItsKeyAndItsVersionIsTheModRevision() throws Exception {
    EtcdOptions options = etcd.options();
    try (var s = EtcdConfigStore.connect(options, CLOCK)) {
      Resource created = s.create(we("vm1", "10.0.0.1"));
      KeyValue kv = read(options.keyPrefix() + "workloadentries/ns1/vm1");
      String json = kv.getValue().toString(StandardCharsets.UTF_8);
      assertThat(json).startsWith("{").contains("\"kind\":\"WorkloadEntry\"", "\"address\":\"10.0.0.1\"",
          "\"uid\":\"" + created.metadata().uid() + "\"").doesNotContain("resourceVersion");
      assertThat(Long.toString(kv.getModRevision())).isEqualTo(created.resourceVersion());
      assertThat(s.describe()).isEqualTo("etcd:" + etcd.endpoint() + options.keyPrefix());
    }
  }

  @Test
  void kindsOutsideIstiosNetworkingGroupHaveTheirGroupInTheKey() throws Exception {
    EtcdOptions options = etcd.options();
    try (var s = EtcdConfigStore.connect(options, CLOCK)) {
      Resource created = s.create(Fixtures.pa("ns1", "default"));
      KeyValue kv = read(options.keyPrefix() + "peerauthentications.security.istio.io/ns1/default");
      assertThat(kv.getValue().toString(StandardCharsets.UTF_8))
          .contains("\"apiVersion\":\"security.istio.io/v1\"", "\"kind\":\"PeerAuthentication\"");
      assertThat(s.list(ListOptions.of(Kind.PEER_AUTHENTICATION, "ns1")).items()).containsExactly(created);
      assertThat(s.list(ListOptions.of(Kind.SERVICE_ENTRY)).items()).isEmpty();
    }
  }

  @Test
  void gatewaysAndVirtualServicesAreNetworkingKindsWithPlainKeys() throws Exception {
    EtcdOptions options = etcd.options();
    try (var s = EtcdConfigStore.connect(options, CLOCK)) {
      Resource gw = s.create(Fixtures.gw("istio-system", "cross-network-gateway"));
      Resource vs = s.create(Fixtures.vs("istio-system", "istiod-vs"));
      assertThat(read(options.keyPrefix() + "gateways/istio-system/cross-network-gateway").getValue()
          .toString(StandardCharsets.UTF_8)).contains("\"kind\":\"Gateway\"", "\"mode\":\"AUTO_PASSTHROUGH\"");
      assertThat(read(options.keyPrefix() + "virtualservices/istio-system/istiod-vs").getValue()
          .toString(StandardCharsets.UTF_8)).contains("\"kind\":\"VirtualService\"", "\"sniHosts\":[\"*\"]");
      assertThat(s.list(ListOptions.of(Kind.GATEWAY)).items()).containsExactly(gw);
      assertThat(s.list(ListOptions.of(Kind.VIRTUAL_SERVICE, "istio-system")).items()).containsExactly(vs);
    }
  }

  @Test
  void storesWithOtherPrefixesAndForeignValuesAreInvisible() throws Exception {
    EtcdOptions mine = etcd.options();
    try (var s = EtcdConfigStore.connect(mine, CLOCK); var other = EtcdConfigStore.connect(etcd.options(), CLOCK)) {
      other.create(we("theirs", "10.0.0.9"));
      var rec = new EventRecorder();
      try (Watch w = s.watch(WatchOptions.fromCurrentState(), rec)) {
        etcd.client().getKVClient().put(bytes(mine.keyPrefix() + "workloadentries/ns1/junk"), bytes("{not json"))
            .get(10, TimeUnit.SECONDS);
        etcd.client().getKVClient().put(bytes(mine.keyPrefix() + "notes"), bytes("hello")).get(10, TimeUnit.SECONDS);
        Resource ok = s.create(we("ok", "10.0.0.1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> rec.events.size() == 2);
        assertThat(rec.events).containsExactly("SYNCED", "ADDED ok");
        assertThat(s.list(ListOptions.all()).items()).containsExactly(ok);
        assertThat(s.get(we("junk", "10.0.0.1").key())).isEmpty();
        assertThat(other.list(ListOptions.all()).items()).extracting(Resource::name).containsExactly("theirs");
      }
    }
  }
}
