package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /usr/bin/vmesh} from the .deb, unpacked with {@code dpkg-deb -x} into a directory under
 * target/ (nothing is installed on the host), finds a Java 21+ and runs the jar that came with it.
 */
class UnpackedLauncherRunsTheBundledJarIT {
  @Test
  void launcherParsesWithBash() {
    Packages.requireTool("bash", "install it with: apt-get install -y bash");
    Packages.runOk(List.of("bash", "-n", Packages.debRoot().resolve("usr/bin/vmesh").toString()));
  }

  @Test
  void versionComesFromTheBundledJar() {
    Path launcher = Packages.debRoot().resolve("usr/bin/vmesh");
    String javaHome = System.getProperty("java.home");
    // This JVM runs the tests, so it is 21+; JAVA_HOME is the launcher's first choice.
    Packages.Result r = Packages.run(List.of(launcher.toString(), "--version"),
        Map.of("PATH", "/usr/bin:/bin", "JAVA_HOME", javaHome));
    assertThat(r.exit()).as(r.both()).isZero();
    assertThat(r.out()).startsWith("vmesh " + Packages.projectVersion() + " (Java ");
  }

  @Test
  void missingJarIsReportedWithTheFix() {
    Packages.Result r = Packages.run(List.of(Packages.debRoot().resolve("usr/bin/vmesh").toString(), "--version"),
        Map.of("PATH", "/usr/bin:/bin", "VMESH_JAR", "/nonexistent/vmesh.jar"));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("/nonexistent/vmesh.jar is missing; reinstall the vmesh package or set VMESH_JAR");
  }

  @Test
  void launcherExplainsHowToInstallJavaWhenNoneIsFound(@TempDir Path dir) throws IOException {
    // PATH holds the tools the launcher and find-java use, and no java; the JVM directory is empty.
    Path tools = Packages.toolsOnly(dir.resolve("tools"), "bash", "sed", "dirname", "readlink", "cat");
    Packages.Result r = Packages.run(List.of(Packages.debRoot().resolve("usr/bin/vmesh").toString(), "--version"),
        Map.of("PATH", tools.toString(), "VMESH_JVM_DIR", dir.resolve("no-jvms").toString()));

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("needs Java 21 or newer, and none was found", "openjdk-21-jre-headless",
        "java-21-openjdk-headless", "JAVA_HOME");
  }
}
