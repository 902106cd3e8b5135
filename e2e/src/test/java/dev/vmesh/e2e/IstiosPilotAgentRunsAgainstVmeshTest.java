package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.agent.envoy.EnvoyBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's own VM agent, {@code pilot-agent} (built from Istio's Go module by
 * {@code e2e/src/test/istio/build-pilot-agent.sh}), on a VM (a network namespace) with the files
 * {@code vmesh workload entry configure} writes, placed where Istio's VM package puts them, and vmesh as
 * its discovery address and CA: it gets the VM's certificate from vmesh's CA, runs Envoy on the config
 * vmesh sends through its xDS proxy, registers the VM, and answers mesh names on its DNS proxy from the
 * name table vmesh sends.
 *
 * <p>It starts from the bootstrap token, as Istio's VM onboarding does: the token proves the VM's
 * identity to vmesh's CA, and the certificate it gets back must be one Go's crypto/x509 reads (no OID
 * arc over 31 bits: vmesh once kept the token's id in an extension under 2.25, which Go refused as
 * "malformed extension OID field"). Renewals then go over mutual TLS with that certificate.
 * Opt-in, as it needs that build:
 * {@code -Dvmesh.istio=DIR} (DIR holds {@code pilot-agent} and Istio's {@code envoy_bootstrap.json}).
 */
@EnabledIfSystemProperty(named = "vmesh.istio", matches = ".+")
class IstiosPilotAgentRunsAgainstVmeshTest {
  @TempDir
  Path tmp;

  @Test
  void certificateEnvoyConfigAndDnsComeFromVmesh() throws Exception {
    EnvoyUnderTest.assumeRunnable();
    Commands.assumeRootWith("ip", "curl", "dig", "env");
    Path istio = Path.of(System.getProperty("vmesh.istio")).toAbsolutePath();
    assertThat(istio.resolve("pilot-agent")).as("build it with e2e/src/test/istio/build-pilot-agent.sh").exists();
    Path envoy = EnvoyBinary.find(System.getenv()).path();
    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.copy(Path.of("../examples/mesh/python-http.yaml"), config.resolve("python-http.yaml"));
    Files.copy(Path.of("../examples/mesh/svc1.yaml"), config.resolve("svc1.yaml"));

    try (EnvoyUnderTest vm = new EnvoyUnderTest(tmp, "10.77.0.9")) {
      vm.startServer(config);
      Path etc = vm.onboard("python-http", "vm");

      // Istio's VM layout, relative to the agent's working directory (istio-start.sh runs it from /)
      Path root = tmp.resolve("vm-root");
      place(etc.resolve("root-cert.pem"), root.resolve("etc/certs/root-cert.pem"));
      // where pilot-agent looks for the CA's root when it starts from the token (no PROV_CERT)
      place(etc.resolve("root-cert.pem"), root.resolve("var/run/secrets/istio/root-cert.pem"));
      place(etc.resolve("istio-token"), root.resolve("var/run/secrets/tokens/istio-token"));
      place(etc.resolve("mesh.yaml"), root.resolve("etc/istio/config/mesh"));
      place(etc.resolve("cluster.env"), root.resolve("var/lib/istio/envoy/cluster.env"));
      place(istio.resolve("envoy_bootstrap.json"), root.resolve("var/lib/istio/envoy/envoy_bootstrap_tmpl.json"));
      Files.createDirectories(root.resolve("etc/istio/proxy"));

      // what istio-start.sh gives pilot-agent: cluster.env's keys, then its own defaults
      Map<String, String> env = new LinkedHashMap<>(clusterEnv(etc.resolve("cluster.env")));
      env.put("INSTANCE_IP", vm.ip);
      env.put("POD_NAME", "vm1");
      env.put("POD_NAMESPACE", env.getOrDefault("ISTIO_NAMESPACE", "default"));
      env.put("OUTPUT_CERTS", "./etc/certs");
      // not in Istio's VM package: where this machine's Envoy is, instead of /usr/local/bin/envoy
      env.put("PROXY_CONFIG", "{\"binaryPath\": \"" + envoy + "\", \"configPath\": \"./etc/istio/proxy\", "
          + "\"proxyBootstrapTemplatePath\": \"./var/lib/istio/envoy/envoy_bootstrap_tmpl.json\"}");
      List<String> cmd = new ArrayList<>(List.of("env", "-C", root.toString()));
      env.forEach((k, v) -> cmd.add(k + "=" + v));
      cmd.addAll(List.of(istio.resolve("pilot-agent").toString(), "proxy", "sidecar", "--proxyLogLevel", "info"));
      vm.background("pilot-agent", cmd.toArray(String[]::new));

      // the certificate: issued by vmesh's CA for the group's service account
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
          assertThat(vm.admin("/certs")).as(vm.log("pilot-agent") + vm.log("server"))
              .contains("spiffe://cluster.local/ns/vm/sa/my-vm"));
      // Envoy's config: vmesh's listeners and clusters, nothing rejected
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
          assertThat(vm.admin("/config_dump")).as(vm.log("pilot-agent"))
              .contains("\"name\": \"virtualOutbound\"", "\"name\": \"virtualInbound\"",
                  "outbound|80||vmservice.example.com", "outbound|80||svc1.internal.com"));
      assertThat(vm.admin("/stats?filter=update_rejected")).doesNotContainPattern("update_rejected: [1-9]");
      // DNS: pilot-agent's proxy answers from the name table vmesh sends
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
          assertThat(Commands.run(Commands.inNetns(vm.netns, "dig", "@127.0.0.1", "-p", "15053", "+short",
              "+tries=1", "+time=2", "svc1.internal.com")).out()).as(vm.log("pilot-agent"))
              .containsPattern("240\\.240\\.\\d+\\.\\d+"));
      // and vmesh registered the VM from pilot-agent's stream
      String token = Files.readString(vm.data().resolve("admin-token")).strip();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(vm.vmesh("get", "we", "-n", "vm",
          "--server", "http://127.0.0.1:15014", "--token", token).out()).contains("python-http-" + vm.ip));
    }
  }

  private static void place(Path from, Path to) throws Exception {
    Files.createDirectories(to.getParent());
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
  }

  /** cluster.env's KEY='value' lines (as the files vmesh writes them: single-quoted, no expansions). */
  private static Map<String, String> clusterEnv(Path file) throws Exception {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      int eq = line.indexOf('=');
      if (line.isBlank() || line.startsWith("#") || eq < 0) {
        continue;
      }
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
        value = value.substring(1, value.length() - 1);
      }
      env.put(line.substring(0, eq).strip(), value);
    }
    return env;
  }
}
