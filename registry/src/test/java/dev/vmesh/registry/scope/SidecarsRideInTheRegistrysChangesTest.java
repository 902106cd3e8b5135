package dev.vmesh.registry.scope;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The registry keeps the Sidecars (its root namespace from its options): loading, adding, editing and deleting one
 * changes no service and reports exactly what changed in {@code Changes.sidecars()}; an unchanged object is no
 * change at all.
 */
class SidecarsRideInTheRegistrysChangesTest {
  private static final Map<String, String> WEB = Map.of("app", "web");

  @Test
  void loadUpsertAndDeleteReportTheScopesTheyChange() {
    Registry registry = new Registry(RegistryOptions.DEFAULTS.withRootNamespace("mesh-root"));
    Registry.Changes loaded = registry.load(List.of(Scopes.sidecar("mesh-root", "default", 0, null, "./*")));
    assertThat(loaded.sidecars().affects("ns1", WEB)).isTrue();
    assertThat(registry.sidecars().forWorkload("ns1", WEB).isAll()).isFalse();

    var web = Scopes.sidecar("ns1", "web", 1, WEB, "*/*");
    Registry.Changes added = registry.upsert(web);
    assertThat(added.services()).isEmpty();
    assertThat(added.isEmpty()).isFalse();
    assertThat(added.sidecars().affects("ns1", WEB)).isTrue();
    assertThat(added.sidecars().affects("ns1", Map.of())).isFalse();
    assertThat(registry.upsert(web)).isSameAs(Registry.Changes.NONE);

    Registry.Changes deleted = registry.delete(web.key());
    assertThat(deleted.sidecars().affects("ns1", WEB)).isTrue();
    assertThat(registry.sidecars().forWorkload("ns1", WEB).id()).startsWith("mesh-root/default#");
  }
}
