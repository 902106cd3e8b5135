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
 * target/ (nothing is installed on the host), runs the jar that came with it on the runtime that came
 * with it, or on the Java 21+ that JAVA_HOME names.
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
  void withoutJavaHomeTheBundledRuntimeRunsTheJar() {
    Path launcher = Packages.debRoot().resolve("usr/bin/vmesh");
    Packages.Result r = Packages.run(List.of(launcher.toString(), "version"), Map.of("PATH", "/usr/bin:/bin"));
    assertThat(r.exit()).as(r.both()).isZero();
    assertThat(r.out()).startsWith("vmesh " + Packages.projectVersion() + " (Java " + Runtime.version().feature());
  }

  @Test
  void missingJarIsReportedWithTheFix() {
    Packages.Result r = Packages.run(List.of(Packages.debRoot().resolve("usr/bin/vmesh").toString(), "--version"),
        Map.of("PATH", "/usr/bin:/bin", "VMESH_JAR", "/nonexistent/vmesh.jar"));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("/nonexistent/vmesh.jar is missing; reinstall the vmesh or vmesh-agent package or set VMESH_JAR");
  }

  @Test
  void launcherExplainsHowToInstallJavaWhenJavaHomeIsNoJavaAndNoneIsFound(@TempDir Path dir) throws IOException {
    // JAVA_HOME set turns the bundled runtime off; it names no Java, PATH holds the tools the launcher and
    // find-java use and no java, and the JVM directory is empty.
    Path tools = Packages.toolsOnly(dir.resolve("tools"), "bash", "sed", "dirname", "readlink", "cat");
    Packages.Result r = Packages.run(List.of(Packages.debRoot().resolve("usr/bin/vmesh").toString(), "--version"),
        Map.of("PATH", tools.toString(), "VMESH_JVM_DIR", dir.resolve("no-jvms").toString(),
            "JAVA_HOME", dir.resolve("no-java").toString()));

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("needs Java 21 or newer, and none was found", "openjdk-21-jre-headless",
        "java-21-openjdk-headless", "JAVA_HOME");
  }
}
