package dev.vmesh.registry;

import dev.vmesh.api.MeshYaml;
import dev.vmesh.api.Resource;
import java.util.List;

/** Test helper: a registry loaded from YAML ({@link MeshYaml#objects}: creation times in document order). */
final class Yaml {
  private Yaml() {}

  static List<Resource> objects(String yaml) {
    return MeshYaml.objects(yaml);
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
