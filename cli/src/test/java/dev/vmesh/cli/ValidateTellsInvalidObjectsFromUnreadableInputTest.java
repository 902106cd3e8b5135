package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateTellsInvalidObjectsFromUnreadableInputTest {
  @TempDir
  Path dir;

  private static final String GOOD = """
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: good, namespace: ns}
      spec: {address: 10.0.0.1}
      """;

  @Test
  void aSchemaErrorMakesTheObjectInvalidAndExitsOne() throws IOException {
    Files.writeString(dir.resolve("we.yaml"), GOOD + """
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: vm1, namespace: ns}
        spec: {address: 10.0.0.2, weight: -1}
        """);
    Cli r = Cli.run("validate", "-f", dir.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("we.yaml:9:35: spec.weight: -1 is not in 0..4294967295");
    assertThat(r.out()).contains("2 object(s) checked: 1 valid, 1 invalid, 0 warning(s)\n")
        .doesNotContain("could not be");
    Cli json = Cli.run("validate", "-o", "json", "-f", dir.toString());
    assertThat(json.exit()).isEqualTo(1);
    assertThat(json.out()).containsPattern("\"name\" : \"vm1\",\\s*\"valid\" : false");
  }

  @Test
  void anEmptyDirectoryIsAWarning() throws IOException {
    Files.createDirectories(dir.resolve("empty"));
    Cli r = Cli.run("validate", "-f", dir.resolve("empty").toString());
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains(dir.resolve("empty") + ": warning: no .yaml, .yml or .json files in this "
        + "directory: nothing was checked").contains("0 object(s) checked: 0 valid, 0 invalid, 1 warning(s)");
  }

  @Test
  void deepNestingIsAnErrorNotACrash() throws IOException {
    Files.writeString(dir.resolve("deep.yaml"), "a: " + "[".repeat(1500) + "]".repeat(1500) + "\n");
    Cli r = Cli.run("validate", "-f", dir.resolve("deep.yaml").toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("deep.yaml:1:").contains("nest deeper than 64 levels");
    assertThat(r.out()).contains("some input is not a valid object");
  }

  @Test
  void aFileOverTheLimitAndALinkLoopAreUnreadableAndTheRestIsChecked() throws IOException {
    Files.writeString(dir.resolve("good.yaml"), GOOD);
    try (RandomAccessFile huge = new RandomAccessFile(dir.resolve("huge.yaml").toFile(), "rw")) {
      huge.setLength(17L * 1024 * 1024);
    }
    Files.createDirectories(dir.resolve("sub"));
    Files.createSymbolicLink(dir.resolve("sub/loop"), dir);
    Cli r = Cli.run("validate", "-f", dir.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains(dir.resolve("huge.yaml") + ": file is 17 MiB, more than the 8 MiB vmesh reads "
        + "from one file")
        .contains(dir.resolve("sub/loop") + ": symbolic link loop: this directory contains itself");
    assertThat(r.out()).contains("1 object(s) checked: 1 valid, 0 invalid, 0 warning(s); some input could not be read");
  }
}
