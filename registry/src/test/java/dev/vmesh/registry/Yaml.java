package dev.vmesh.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.ResourceDecoder;
import java.time.Instant;
import java.util.List;

/** Test helper: objects from YAML, with creation times in document order (1 s apart). */
final class Yaml {
  private Yaml() {}

  static List<Resource> objects(String yaml) {
    var r = ResourceDecoder.decode("test.yaml", yaml);
    assertThat(r.problems()).isEmpty();
    List<Resource> out = new java.util.ArrayList<>();
    int i = 0;
    for (Resource res : r.resources()) {
      Instant t = res.metadata().creationTimestamp() != null ? res.metadata().creationTimestamp()
          : Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i++);
      out.add(res.withMetadata(res.metadata().withCreationTimestamp(t)));
    }
    return out;
  }

  static Registry registry(String yaml) {
    Registry reg = new Registry(RegistryOptions.DEFAULTS);
    reg.load(objects(yaml));
    return reg;
  }

  static Service service(Registry reg, String host, String ns) {
    return reg.service(new ServiceKey(host, ns)).orElseThrow(() -> new AssertionError("no service " + host));
  }

  /** Endpoints as "address:port->servicePort" strings. */
  static List<String> endpoints(Service s) {
    return s.endpoints().stream().map(e -> e.address() + ":" + e.port() + "->" + e.servicePort()).toList();
  }
}
