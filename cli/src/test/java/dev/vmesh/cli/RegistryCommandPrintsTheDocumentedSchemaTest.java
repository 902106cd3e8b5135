package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryCommandPrintsTheDocumentedSchemaTest {
  @TempDir
  Path dir;

  @Test
  void exampleMeshMatchesTheGoldenFile() throws IOException {
    Cli r = Cli.run("registry", "--config", "../examples/mesh", "-o", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    String golden = Files.readString(Path.of("src/test/resources/examples-registry.json"));
    assertThat(r.out()).isEqualTo(golden);
  }

  @Test
  void tableOutput() {
    Cli r = Cli.run("registry", "--config", "../examples/mesh");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("HOSTNAME").containsPattern("svc1.internal.com +ns1 +240.240.0.\\d,2001:2::\\d \\(auto\\)");
  }

  @Test
  void brokenFilesAreReportedAndTheRestIsStillComputed() throws IOException {
    Files.writeString(dir.resolve("good.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: s, namespace: ns}
        spec: {hosts: [a.example.com], addresses: [10.0.0.1], ports: [{number: 80, name: http}]}
        """);
    Files.writeString(dir.resolve("bad.yaml"), "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n");
    Cli r = Cli.run("registry", "--config", dir.toString(), "-o", "json");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("bad.yaml:1:1: metadata: metadata is missing");
    assertThat(r.out()).contains("\"hostname\" : \"a.example.com\"");
  }

  @Test
  void versionPrintsTheBuildVersion() {
    Cli r = Cli.run("version");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).startsWith("vmesh 0.").contains("Java");
  }
}
