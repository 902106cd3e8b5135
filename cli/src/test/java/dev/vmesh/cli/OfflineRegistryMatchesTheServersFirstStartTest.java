package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import dev.vmesh.registry.RegistryJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmesh registry --config DIR} prints what a server started on DIR serves at its first start,
 * virtual IPs included: hosts get addresses in hostname order, whatever the order of the files, of the
 * objects' names and of their creation in the server's store.
 */
class OfflineRegistryMatchesTheServersFirstStartTest {
  @TempDir
  Path tmp;

  private String offline(Path config) {
    Cli r = Cli.run("registry", "--config", config.toString(), "-o", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    return r.out();
  }

  private String firstStart(Path config, String dataDir) throws Exception {
    try (VmeshServer server = VmeshServer.start(ServerOptions.local(tmp.resolve(dataDir), config),
        Clock.systemUTC())) {
      assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      return RegistryJson.json(server.registry());
    }
  }

  @Test
  void theExampleMeshGetsTheSameAddressesOfflineAndLive() throws Exception {
    Path examples = Path.of("../examples/mesh");
    String offline = offline(examples);
    assertThat(firstStart(examples, "data")).isEqualTo(offline);
    // auto.internal < svc1.internal.com < vmservice.example.com
    assertThat(offline).contains("\"svc1.internal.com\" : {\n      \"ips\" : [ \"240.240.0.2\", \"2001:2::2\" ]");
  }

  @Test
  void addressesFollowHostnamesNotFilesNamesOrNamespaces() throws Exception {
    Path config = Files.createDirectories(tmp.resolve("config"));
    String se = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: %s, namespace: %s}
        spec:
          hosts: [%s]
          ports: [{number: 80, name: http, protocol: HTTP}]
          resolution: DNS
        """;
    Files.writeString(config.resolve("1.yaml"), se.formatted("zz", "a", "b.example.com"));
    Files.writeString(config.resolve("2.yaml"), se.formatted("aa", "x", "c.example.com"));
    Files.writeString(config.resolve("3.yaml"), se.formatted("mm", "m", "a.example.com"));
    String offline = offline(config);
    assertThat(firstStart(config, "data2")).isEqualTo(offline);
    for (String[] hostIp : new String[][] {{"a", "1"}, {"b", "2"}, {"c", "3"}}) {
      assertThat(offline).contains("\"" + hostIp[0] + ".example.com\" : {\n      \"ips\" : [ \"240.240.0." + hostIp[1]
          + "\", \"2001:2::" + hostIp[1] + "\" ]");
    }
  }
}
