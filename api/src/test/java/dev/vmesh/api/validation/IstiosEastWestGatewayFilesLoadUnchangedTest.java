package dev.vmesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.GatewaySpec;
import dev.vmesh.api.GatewaySpec.TlsMode;
import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.VirtualServiceSpec;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.ResourceWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Istio's own east-west files (samples/multicluster: the cross-network gateway and the control-plane exposure
 * Gateway and VirtualService, kept byte for byte under test resources) decode and validate with no problem at all,
 * mean what Istio means, and survive a write and read back.
 */
class IstiosEastWestGatewayFilesLoadUnchangedTest {

  private static ResourceDecoder.Result load(String file) throws IOException {
    try (InputStream in = IstiosEastWestGatewayFilesLoadUnchangedTest.class.getResourceAsStream("/istio/" + file)) {
      return ResourceDecoder.decode(file, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static List<Resource> valid(String file) throws IOException {
    ResourceDecoder.Result r = load(file);
    assertThat(r.problems()).as("decoding %s", file).isEmpty();
    for (ResourceDecoder.Decoded d : r.decoded()) {
      assertThat(new Validator().validate(d)).as("validating %s", d.resource()).isEmpty();
    }
    return r.resources();
  }

  @Test
  void theCrossNetworkGatewayIsAutoPassthroughOn15443ForLocalHosts() throws IOException {
    List<Resource> objects = valid("expose-services.yaml");
    assertThat(objects).hasSize(1);
    Resource gw = objects.get(0);
    assertThat(gw.key().kind()).isEqualTo(Kind.GATEWAY);
    assertThat(gw.namespace()).as("no namespace written: the default one").isEqualTo("default");
    assertThat(gw.spec()).isEqualTo(new GatewaySpec(Map.of("istio", "eastwestgateway"), List.of(
        new GatewaySpec.Server(new GatewaySpec.Port(15443, "TLS", "tls"), List.of("*.local"),
            new GatewaySpec.ServerTls(TlsMode.AUTO_PASSTHROUGH), ""))));
  }

  @Test
  void theControlPlaneExposurePassesTlsOn15012And15017ToIstiod() throws IOException {
    List<Resource> objects = valid("expose-istiod.yaml");
    assertThat(objects).extracting(Resource::kind).containsExactly(Kind.GATEWAY, Kind.VIRTUAL_SERVICE);
    GatewaySpec gw = objects.get(0).spec(GatewaySpec.class);
    assertThat(gw.servers()).extracting(s -> s.port().number() + "/" + s.port().protocol() + "/" + s.tls().mode()
        + "/" + s.hosts()).containsExactly("15012/tls/PASSTHROUGH/[*]", "15017/tls/PASSTHROUGH/[*]");
    VirtualServiceSpec vs = objects.get(1).spec(VirtualServiceSpec.class);
    assertThat(vs.gateways()).containsExactly("istiod-gateway");
    assertThat(vs.tls()).extracting(r -> r.match().get(0).port() + " " + r.match().get(0).sniHosts() + " -> "
        + r.route().get(0).destination().host() + ":" + r.route().get(0).destination().port())
        .containsExactly("15012 [*] -> istiod.istio-system.svc.cluster.local:15012",
            "15017 [*] -> istiod.istio-system.svc.cluster.local:443");
  }

  @Test
  void writtenAndReadBackTheyAreEqual() throws IOException {
    for (String file : List.of("expose-istiod.yaml", "expose-services.yaml")) {
      for (Resource r : valid(file)) {
        Resource back = ResourceDecoder.decodeOne("back.yaml", ResourceWriter.yaml(List.of(r)));
        assertThat(back).isEqualTo(r);
        Resource fromJson = ResourceDecoder.decodeOne("back.json", ResourceWriter.json(r, false));
        assertThat(fromJson).isEqualTo(r);
      }
    }
  }
}
