package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The vmesh-agent .rpm read with {@code rpm -qp}: no Java requirement (it carries its runtime), a conflict
 * with the full package, the agent deb's files with owners, modes and config flags and the same bytes,
 * the vmesh package's scriptlets; and, unpacked with {@code rpm2archive}, its launcher runs the agent's jar
 * on the bundled runtime with no Java on PATH and maps the AOT cache (rpm gives the jar the build's
 * timestamp, which the cache was made for).
 */
class AgentRpmMatchesTheAgentDebAndRunsUnpackedIT {
  private static Path unpacked;

  @BeforeAll
  static void tools() {
    Packages.requireTool("rpm", "install it with: apt-get install -y rpm");
    Packages.requireTool("rpm2archive", "install it with: apt-get install -y rpm2cpio");
  }

  @Test
  void headerRequirementsAndConflict() {
    String rpm = Packages.agentRpm().toString();
    assertThat(Packages.agentRpm().getFileName().toString())
        .isEqualTo("vmesh-agent-" + Packages.version() + "-1.x86_64.rpm");
    assertThat(Packages.runOk(List.of("rpm", "-qip", rpm))).containsPattern("(?m)^Name\\s*: vmesh-agent$")
        .containsPattern("(?m)^Release\\s*: 1$").containsPattern("(?m)^Architecture: x86_64$");
    String requires = Packages.runOk(List.of("rpm", "-qp", "--qf",
        "[%{REQUIRENAME} %{REQUIREFLAGS:deptype}\\n]", rpm));
    assertThat(requires.lines()).contains("shadow-utils pre").noneMatch(l -> l.contains("java"));
    assertThat(Packages.runOk(List.of("rpm", "-qp", "--conflicts", rpm)).strip()).isEqualTo("vmesh");
    assertThat(Packages.runOk(List.of("rpm", "-qp", "--conflicts", Packages.rpm().toString())).strip())
        .isEqualTo("vmesh-agent");
  }

  @Test
  void filesAreTheAgentDebsWithTheirOwnersModesAndBytes() {
    Map<String, String> files = new LinkedHashMap<>();
    Map<String, String> digests = new LinkedHashMap<>();
    String rpm = Packages.agentRpm().toString();
    for (String line : Packages.runOk(List.of("rpm", "-qp", "--qf",
        "[%{FILENAMES} %{FILEMODES:octal} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILEFLAGS:fflags}\\n]", rpm)).lines()
        .toList()) {
      String[] f = line.split(" ", 2);
      files.put(f[0], f[1].strip());
    }
    for (String line : Packages.runOk(List.of("rpm", "-qp", "--dump", rpm)).lines().toList()) {
      String[] f = line.split(" ");
      digests.put(f[0], f[3]);
    }
    assertThat(files).containsEntry("/usr/lib/vmesh/runtime/bin/java", "100755 root root")
        .containsEntry("/usr/lib/vmesh/runtime/lib/server/libjvm.so", "100644 root root");
    Map<String, String> rest = new LinkedHashMap<>(files);
    rest.keySet().removeIf(f -> f.startsWith("/usr/lib/vmesh/"));
    assertThat(rest).containsOnly(
        Map.entry("/usr/share/vmesh", "40755 root root"),
        Map.entry("/usr/share/vmesh/vmesh-agent.jar", "100644 root root"),
        Map.entry("/usr/share/vmesh/vmesh-agent.aot", "100644 root root"),
        Map.entry("/usr/share/vmesh/find-java", "100755 root root"),
        Map.entry("/usr/bin/vmesh", "100755 root root"),
        Map.entry("/usr/lib/systemd/system/vmesh-agent.service", "100644 root root"),
        Map.entry("/etc/sysconfig/vmesh-agent", "100644 root root cn"),
        Map.entry("/etc/vmesh", "40750 root vmesh"),
        Map.entry("/var/lib/vmesh", "40750 vmesh vmesh"));
    Path deb = AgentDebCarriesItsRuntimeAndNoJavaDependencyIT.root();
    for (String path : List.of("/usr/share/vmesh/vmesh-agent.jar", "/usr/share/vmesh/vmesh-agent.aot",
        "/usr/bin/vmesh", "/usr/lib/vmesh/runtime/bin/java", "/usr/lib/vmesh/runtime/lib/modules",
        "/usr/lib/systemd/system/vmesh-agent.service")) {
      assertThat(digests.get(path)).as(path).isEqualTo(Packages.sha256(deb.resolve(path.substring(1))));
    }
    assertThat(digests.get("/etc/sysconfig/vmesh-agent")).isEqualTo(Packages.sha256(deb.resolve("etc/default/vmesh-agent")));
  }

  @Test
  void scriptletsAreTheFullPackagesScriptlets() {
    for (String tag : List.of("PREIN", "POSTIN", "PREUN", "POSTUN", "PRETRANS", "POSTTRANS")) {
      assertThat(scriptlet(Packages.agentRpm(), tag)).as(tag).isEqualTo(scriptlet(Packages.rpm(), tag));
    }
  }

  @Test
  void unpackedLauncherRunsTheAgentOnTheBundledRuntimeWithItsAotCache() {
    Path root = unpacked();
    var env = Map.of("PATH", "/usr/bin:/bin", "VMESH_JVM_OPTIONS_DIR", "/nonexistent");
    Packages.Result version = Packages.run(List.of(root.resolve("usr/bin/vmesh").toString(), "version"), env);
    assertThat(version.exit()).as(version.both()).isZero();
    assertThat(version.out()).startsWith("vmesh " + Packages.projectVersion() + " (Java ");

    var logged = Map.of("PATH", "/usr/bin:/bin", "VMESH_JVM_OPTIONS_DIR", "/nonexistent",
        "VMESH_JAVA_OPTS", "-Xlog:aot=info");
    Packages.Result help = Packages.run(List.of(root.resolve("usr/bin/vmesh").toString(), "agent", "--help"), logged);
    assertThat(help.exit()).as(help.both()).isZero();
    assertThat(help.both()).contains("Run the VM agent").containsIgnoringCase("opened aot cache");
  }

  private static synchronized Path unpacked() {
    if (unpacked == null) {
      Path dir = Packages.freshDir("it-agent-rpm-root");
      Path tgz = dir.resolveSibling("it-agent-rpm.tgz");
      Packages.runOk(List.of("sh", "-c", "rpm2archive - < \"$0\" > \"$1\"", Packages.agentRpm().toString(),
          tgz.toString()));
      Packages.runOk(List.of("tar", "-xzpf", tgz.toString(), "-C", dir.toString()));
      unpacked = dir;
    }
    return unpacked;
  }

  private static String scriptlet(Path rpm, String tag) {
    return Packages.runOk(List.of("rpm", "-qp", "--qf", "%{" + tag + "}", rpm.toString()));
  }
}
