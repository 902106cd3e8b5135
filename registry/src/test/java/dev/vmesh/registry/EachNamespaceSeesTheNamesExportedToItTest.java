package dev.vmesh.registry;

import static dev.vmesh.registry.Yaml.objects;
import static dev.vmesh.registry.Yaml.registry;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The registry keeps one name table; DNS proxies of a namespace get it with only the services visible
 * there, and a change of visibility alone is a name-table change.
 */
class EachNamespaceSeesTheNamesExportedToItTest {
  private static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: shared, namespace: ns1}
      spec: {hosts: [db.example.com], addresses: [10.1.0.1], ports: [{number: 5432, name: pg, protocol: TCP}]}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: own, namespace: ns2}
      spec:
        hosts: [db.example.com]
        addresses: [10.2.0.1]
        ports: [{number: 5432, name: pg, protocol: TCP}]
        exportTo: ['.']
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: private, namespace: ns2}
      spec:
        hosts: [private.example.com]
        addresses: [10.2.0.2]
        ports: [{number: 80, name: http}]
        exportTo: ['.']
      """;

  @Test
  void aNamespaceSeesOnlyWhatIsExportedToIt() {
    Registry reg = registry(MESH);
    assertThat(reg.nameTable().table().get("db.example.com").ips()).containsExactly("10.1.0.1", "10.2.0.1");
    assertThat(reg.nameTable().table()).containsKey("private.example.com");

    var ns1 = reg.nameTable("ns1").table();
    assertThat(ns1).containsOnlyKeys("db.example.com");
    assertThat(ns1.get("db.example.com").ips()).containsExactly("10.1.0.1");
    assertThat(ns1.get("db.example.com").namespace()).isEqualTo("ns1");

    var ns2 = reg.nameTable("ns2").table();
    assertThat(ns2).containsOnlyKeys("db.example.com", "private.example.com");
    assertThat(ns2.get("db.example.com").ips()).containsExactly("10.1.0.1", "10.2.0.1");
  }

  @Test
  void exportingAServiceElsewhereIsANameTableChange() {
    Registry reg = registry(MESH);
    var changes = reg.upsert(objects(MESH.replace("  exportTo: ['.']\n---", "  exportTo: ['*']\n---")).get(1));
    assertThat(changes.nameTable()).isTrue();
    assertThat(reg.nameTable("ns1").table().get("db.example.com").ips()).containsExactly("10.1.0.1", "10.2.0.1");
    assertThat(reg.nameTable().table().get("db.example.com").ips()).containsExactly("10.1.0.1", "10.2.0.1");
  }

  @Test
  void withNothingRestrictedEveryNamespaceGetsTheOneTable() {
    Registry reg = registry(MESH.substring(0, MESH.indexOf("---")));
    assertThat(reg.nameTable("elsewhere")).isSameAs(reg.nameTable());
  }
}
