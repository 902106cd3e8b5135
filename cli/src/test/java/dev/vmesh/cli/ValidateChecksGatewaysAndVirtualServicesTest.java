package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmesh validate} checks Gateways and VirtualServices: Istio's control-plane exposure file passes; a
 * VirtualService with HTTP routes and a Gateway terminating TLS exit 1 with file, line, column, field and the fix.
 */
class ValidateChecksGatewaysAndVirtualServicesTest {
  @TempDir
  Path dir;

  @Test
  void istiosControlPlaneExposureIsValid() throws IOException {
    Files.writeString(dir.resolve("expose-istiod.yaml"), """
        apiVersion: networking.istio.io/v1alpha3
        kind: Gateway
        metadata:
          name: istiod-gateway
          namespace: istio-system
        spec:
          selector:
            istio: eastwestgateway
          servers:
            - port:
                name: tls-istiod
                number: 15012
                protocol: tls
              tls:
                mode: PASSTHROUGH
              hosts:
                - "*"
        ---
        apiVersion: networking.istio.io/v1alpha3
        kind: VirtualService
        metadata:
          name: istiod-vs
          namespace: istio-system
        spec:
          hosts:
          - "*"
          gateways:
          - istiod-gateway
          tls:
          - match:
            - port: 15012
              sniHosts:
              - "*"
            route:
            - destination:
                host: istiod.istio-system.svc.cluster.local
                port:
                  number: 15012
        """);
    Cli r = Cli.run("validate", "-f", dir.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("2 object(s) checked: 2 valid, 0 invalid, 0 warning(s)");
  }

  @Test
  void httpRoutesAndTlsTerminationExitOneWithWhereAndWhatToDo() throws IOException {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web, namespace: ns1}
        spec:
          hosts: [web.example.com]
          gateways: [gw]
          http: [{route: [{destination: {host: web.ns1.svc.cluster.local}}]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ns1}
        spec:
          servers:
          - {port: {number: 443, name: https, protocol: HTTPS}, tls: {mode: SIMPLE}, hosts: [web.example.com]}
        """);
    Cli r = Cli.run("validate", "-f", bad.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains(bad + ":7:3: spec.http: HTTP routes are not supported")
        .contains(bad + ":14:69: spec.servers[0].tls.mode: tls.mode SIMPLE is not supported: vmesh's gateways do not"
            + " terminate TLS; use PASSTHROUGH or AUTO_PASSTHROUGH");
  }
}
