package dev.vmesh.store;

import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.WorkloadEntrySpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/** Objects and a clock for store tests. */
final class Fixtures {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);

  private Fixtures() {}

  static Resource we(String ns, String name, String address, Map<String, String> labels) {
    return Resource.of(ObjectMeta.of(ns, name).withLabels(labels), WorkloadEntrySpec.of(address, labels));
  }

  static Resource we(String name, String address) {
    return we("ns1", name, address, Map.of("app", "a"));
  }

  static Resource se(String ns, String name, String host) {
    return Resource.of(ObjectMeta.of(ns, name), new ServiceEntrySpec(List.of(host), List.of(),
        List.of(new ServicePort(80, "HTTP", "http", 0)), null, dev.vmesh.api.Resolution.DNS, null, null, null, null));
  }

  static Resource withAnnotation(Resource r, String key, String value) {
    var a = new java.util.HashMap<>(r.metadata().annotations());
    a.put(key, value);
    return r.withMetadata(r.metadata().withAnnotations(a));
  }
}
