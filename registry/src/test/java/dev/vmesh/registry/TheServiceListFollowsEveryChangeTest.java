package dev.vmesh.registry;

import static dev.vmesh.registry.Yaml.objects;
import static dev.vmesh.registry.Yaml.registry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Registry#services()} is asked for by every generator (each listener, each wildcard subscription), so
 * the registry keeps its sorted list between changes; every change of a service (a new one, new endpoints, a
 * deletion) gives the next caller a new list, and a list already handed out stays as it was.
 */
class TheServiceListFollowsEveryChangeTest {
  static final String TWO = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: b, namespace: ns}
      spec:
        hosts: [b.example.com]
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
        workloadSelector: {labels: {app: b}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: a, namespace: ns}
      spec:
        hosts: [a.example.com]
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
      """;

  private static List<String> hosts(List<Service> services) {
    return services.stream().map(Service::hostname).toList();
  }

  @Test
  void eachChangeGivesANewSortedListAndOldListsStayAsTheyWere() {
    Registry reg = registry(TWO);
    List<Service> first = reg.services();
    assertThat(hosts(first)).containsExactly("a.example.com", "b.example.com");
    assertThat(reg.services()).isSameAs(first); // nothing changed: the same list
    assertThatThrownBy(() -> first.clear()).isInstanceOf(UnsupportedOperationException.class);

    reg.upsert(objects("""
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: vm1, namespace: ns}
        spec: {address: 10.0.0.1, labels: {app: b}}
        """).get(0));
    List<Service> withEndpoint = reg.services();
    assertThat(withEndpoint.get(1).endpoints()).hasSize(1);
    assertThat(first.get(1).endpoints()).isEmpty();

    reg.upsert(objects("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: c, namespace: ns}
        spec:
          hosts: [0-first.example.com]
          ports: [{number: 80, name: http, protocol: HTTP}]
          resolution: STATIC
        """).get(0));
    assertThat(hosts(reg.services())).containsExactly("0-first.example.com", "a.example.com", "b.example.com");

    reg.delete(objects(TWO).get(1).key());
    assertThat(hosts(reg.services())).containsExactly("0-first.example.com", "b.example.com");
    assertThat(hosts(first)).containsExactly("a.example.com", "b.example.com");
  }
}
