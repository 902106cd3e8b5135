package dev.vmesh.store;

import dev.vmesh.api.GatewaySpec;
import dev.vmesh.api.Kind;
import dev.vmesh.api.MtlsMode;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.PeerAuthenticationSpec;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.SidecarSpec;
import dev.vmesh.api.VirtualServiceSpec;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadGroupSpec;
import dev.vmesh.api.WorkloadSelector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Objects and a clock for store tests (published in the test-jar for other stores' tests). */
public final class Fixtures {
  public static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);

  private Fixtures() {}

  public static Resource we(String ns, String name, String address, Map<String, String> labels) {
    return Resource.of(ObjectMeta.of(ns, name).withLabels(labels), WorkloadEntrySpec.of(address, labels));
  }

  public static Resource we(String name, String address) {
    return we("ns1", name, address, Map.of("app", "a"));
  }

  public static Resource se(String ns, String name, String host) {
    return Resource.of(ObjectMeta.of(ns, name), new ServiceEntrySpec(List.of(host), List.of(),
        List.of(new ServicePort(80, "HTTP", "http", 0)), null, Resolution.DNS, null, null, null, null));
  }

  /** A PeerAuthentication: STRICT for workloads labelled app=web, port 8080 PERMISSIVE. */
  public static Resource pa(String ns, String name) {
    return Resource.of(ObjectMeta.of(ns, name), new PeerAuthenticationSpec(new WorkloadSelector(Map.of("app", "web")),
        MtlsMode.STRICT, Map.of(8080, MtlsMode.PERMISSIVE)));
  }

  /** A Gateway: the cross-network one, AUTO_PASSTHROUGH on 15443 for *.local. */
  public static Resource gw(String ns, String name) {
    return Resource.of(ObjectMeta.of(ns, name), new GatewaySpec(Map.of("istio", "eastwestgateway"), List.of(
        new GatewaySpec.Server(new GatewaySpec.Port(15443, "TLS", "tls"), List.of("*.local"),
            new GatewaySpec.ServerTls(GatewaySpec.TlsMode.AUTO_PASSTHROUGH), ""))));
  }

  /** A VirtualService passing TLS on 15012 through gateway istiod-gateway to the control plane. */
  public static Resource vs(String ns, String name) {
    return Resource.of(ObjectMeta.of(ns, name), new VirtualServiceSpec(List.of("*"), List.of("istiod-gateway"),
        List.of(new VirtualServiceSpec.TlsRoute(List.of(new VirtualServiceSpec.TlsMatch(List.of("*"), 15012)),
            List.of(new VirtualServiceSpec.RouteDestination(
                new VirtualServiceSpec.Destination("istiod.istio-system.svc.cluster.local", 15012), 0)))),
        List.of(), List.of()));
  }

  /** A Sidecar for workloads labelled app=a: services of its own namespace and istio-system, REGISTRY_ONLY. */
  public static Resource sidecar(String ns, String name) {
    return Resource.of(ObjectMeta.of(ns, name), new SidecarSpec(new WorkloadSelector(Map.of("app", "a")),
        List.of(new SidecarSpec.EgressListener(null, List.of("./*", "istio-system/*"))),
        new SidecarSpec.OutboundTrafficPolicy(SidecarSpec.OutboundMode.REGISTRY_ONLY)));
  }

  /** A valid object of {@code kind} (every kind has one, so store tests cover every kind). */
  public static Resource anyOf(Kind kind, String ns, String name) {
    return switch (kind) {
      case SERVICE_ENTRY -> se(ns, name, name + ".example.com");
      case WORKLOAD_ENTRY -> we(ns, name, "10.0.0.1", Map.of("app", "a"));
      case WORKLOAD_GROUP -> Resource.of(ObjectMeta.of(ns, name), new WorkloadGroupSpec(null,
          WorkloadEntrySpec.of("", Map.of("app", "a")), null));
      case PEER_AUTHENTICATION -> pa(ns, name);
      case GATEWAY -> gw(ns, name);
      case VIRTUAL_SERVICE -> vs(ns, name);
      case SIDECAR -> sidecar(ns, name);
    };
  }

  public static Resource withAnnotation(Resource r, String key, String value) {
    var a = new HashMap<>(r.metadata().annotations());
    a.put(key, value);
    return r.withMetadata(r.metadata().withAnnotations(a));
  }

  /** A store with an empty config directory (under {@code dir}) layered over {@code durable}. */
  public static LayeredConfigStore layered(Path dir, ConfigStore durable) {
    try {
      Files.createDirectories(dir.resolve("files"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new LayeredConfigStore(FileConfigStore.open(dir.resolve("files"), CLOCK, Duration.ZERO), durable);
  }
}
