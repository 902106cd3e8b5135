package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vmesh-agent package installs on a machine without Java: it depends on no Java package, carries a
 * jlinked runtime under /usr/lib/vmesh/runtime with the agent's modules only, and its launcher, unpacked,
 * runs the agent's jar on that runtime with the agent's JVM flags, which a file in /etc/vmesh replaces.
 */
class AgentDebCarriesItsRuntimeAndNoJavaDependencyIT {
  private static Path root;

  @Test
  void controlFieldsNameNoJavaAndConflictWithTheFullPackage() {
    String deb = Packages.agentDeb().toString();
    assertThat(field(deb, "Package")).isEqualTo("vmesh-agent");
    assertThat(field(deb, "Version")).isEqualTo(Packages.version());
    assertThat(field(deb, "Depends")).isEqualTo("adduser");
    assertThat(field(deb, "Conflicts")).isEqualTo("vmesh");
    assertThat(field(deb, "Architecture")).isEqualTo("amd64");
  }

  @Test
  void filesAreTheAgentsJarCacheRuntimeAndUnit() {
    Map<String, String> entries = new LinkedHashMap<>();
    for (String line : Packages.runOk(List.of("dpkg-deb", "-c", Packages.agentDeb().toString())).lines().toList()) {
      String[] f = line.trim().split("\\s+", 6);
      entries.put(f[5].replaceFirst("^\\.", "").replaceFirst("(.)/$", "$1"), f[0] + " " + f[1]);
    }
    assertThat(entries).containsEntry("/usr/share/vmesh/vmesh-agent.jar", "-rw-r--r-- root/root")
        .containsEntry("/usr/share/vmesh/vmesh-agent.aot", "-rw-r--r-- root/root")
        .containsEntry("/usr/lib/vmesh/runtime/bin/java", "-rwxr-xr-x root/root")
        .containsEntry("/usr/lib/vmesh/runtime/lib/jspawnhelper", "-rwxr-xr-x root/root")
        .containsEntry("/usr/lib/vmesh/runtime/lib/server/libjvm.so", "-rw-r--r-- root/root")
        .containsEntry("/usr/bin/vmesh", "-rwxr-xr-x root/root")
        .containsEntry("/usr/lib/systemd/system/vmesh-agent.service", "-rw-r--r-- root/root")
        .containsEntry("/etc/default/vmesh-agent", "-rw-r--r-- root/root")
        .containsEntry("/var/lib/vmesh", "drwxr-x--- root/root");
    assertThat(entries.keySet()).doesNotContain("/usr/share/vmesh/vmesh.jar",
        "/usr/lib/systemd/system/vmesh-server.service", "/etc/default/vmesh-server");
  }

  @Test
  void runtimeHoldsOnlyTheModulesJdepsFound() throws IOException {
    List<String> modules = Files.readAllLines(root().resolve("usr/lib/vmesh/runtime/vmesh-modules"));
    assertThat(modules).contains("java.base").doesNotContain("java.desktop", "java.compiler", "jdk.compiler",
        "jdk.jshell", "java.scripting");
    // named by jdeps but left out: only code the agent never runs refers to them
    assertThat(modules).doesNotContain("java.xml", "java.sql", "jdk.jfr");
    String listed = Packages.runOk(List.of(root().resolve("usr/lib/vmesh/runtime/bin/java").toString(),
        "--list-modules"));
    // jlink adds what those modules require (jdk.security.auth brings java.naming ...), nothing else.
    assertThat(listed.lines().map(l -> l.replaceFirst("@.*", "")).toList()).containsAll(modules)
        .doesNotContain("java.desktop", "java.compiler", "jdk.compiler", "jdk.jshell", "java.scripting", "java.xml")
        .hasSizeLessThan(16);
  }

  @Test
  void unpackedLauncherRunsTheAgentOnTheBundledRuntimeWithoutJavaOnPath() {
    var env = Map.of("PATH", "/usr/bin:/bin", "VMESH_JVM_OPTIONS_DIR", "/nonexistent");
    Packages.Result version = Packages.run(List.of(launcher(), "version"), env);
    assertThat(version.exit()).as(version.both()).isZero();
    assertThat(version.out()).startsWith("vmesh " + Packages.projectVersion() + " (Java ");

    Packages.Result help = Packages.run(List.of(launcher(), "agent", "--help"), env);
    assertThat(help.exit()).as(help.both()).isZero();
    assertThat(help.out()).contains("Run the VM agent").doesNotContain("AOT", "aot]");

    // The agent's jar has no server.
    Packages.Result server = Packages.run(List.of(launcher(), "server"), env);
    assertThat(server.exit()).as(server.both()).isNotZero();
    assertThat(server.err()).contains("server");
  }

  @Test
  void agentFlagsAreSmallByDefaultAndAFileInEtcVmeshReplacesThem(@TempDir Path etc) throws IOException {
    var flags = Map.of("PATH", "/usr/bin:/bin", "VMESH_JVM_OPTIONS_DIR", etc.toString(),
        "VMESH_JAVA_OPTS", "-XX:+PrintCommandLineFlags");
    String byDefault = Packages.run(List.of(launcher(), "agent", "--help"), flags).out();
    assertThat(byDefault).contains("-XX:+UseSerialGC", "-XX:MaxHeapSize=67108864", "-XX:MaxHeapFreeRatio=20",
        "-XX:MinHeapFreeRatio=10");

    Files.writeString(etc.resolve("agent.jvm.options"), "# smaller still\n-Xmx40m\n\n-XX:+UseSerialGC # same\n");
    String fromFile = Packages.run(List.of(launcher(), "agent", "--help"), flags).out();
    assertThat(fromFile).contains("-XX:MaxHeapSize=41943040", "-XX:+UseSerialGC")
        .doesNotContain("MaxDirectMemorySize");
  }

  private static String launcher() {
    return root().resolve("usr/bin/vmesh").toString();
  }

  static synchronized Path root() {
    if (root == null) {
      Path dir = Packages.freshDir("it-agent-deb-root");
      Packages.runOk(List.of("dpkg-deb", "-x", Packages.agentDeb().toString(), dir.toString()));
      root = dir;
    }
    return root;
  }

  private static String field(String deb, String name) {
    return Packages.runOk(List.of("dpkg-deb", "-f", deb, name)).strip();
  }
}
