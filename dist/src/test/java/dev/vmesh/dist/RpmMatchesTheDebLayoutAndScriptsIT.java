package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The .rpm read with {@code rpm -qp}: header fields, requirements (no Java: it carries its runtime), files with owners, modes
 * and config flags (the same content as the .deb), and scriptlets that parse with sh, create the user
 * in %pre, never start a service and try-restart on upgrade.
 */
class RpmMatchesTheDebLayoutAndScriptsIT {
  @BeforeAll
  static void tools() {
    Packages.requireTool("rpm", "install it with: apt-get install -y rpm");
    Packages.requireTool("sh", "install dash or bash");
  }

  @Test
  void headerNamesTheVersionReleaseAndArchitecture() {
    String rpm = Packages.rpm().toString();
    assertThat(Packages.rpm().getFileName().toString()).isEqualTo("vmesh-" + Packages.version() + "-1.x86_64.rpm");
    String info = Packages.runOk(List.of("rpm", "-qip", rpm));
    assertThat(info).containsPattern("(?m)^Name\\s*: vmesh$")
        .containsPattern("(?m)^Version\\s*: " + Packages.version().replace(".", "\\.") + "$")
        .containsPattern("(?m)^Release\\s*: 1$")
        .containsPattern("(?m)^Architecture: x86_64$")
        .containsPattern("(?m)^Summary\\s*: Service mesh for virtual machines");
  }

  @Test
  void requiresNoJavaAndShadowUtilsForPreAndPost() {
    String requires = Packages.runOk(List.of("rpm", "-qp", "--qf",
        "[%{REQUIRENAME} %{REQUIREFLAGS:deptype} %{REQUIREFLAGS:depflags} %{REQUIREVERSION}\\n]",
        Packages.rpm().toString()));
    assertThat(requires.lines()).contains("shadow-utils pre,post  ").noneMatch(l -> l.contains("java"));
  }

  @Test
  void filesHaveTheirOwnersModesAndConfigFlags() {
    Map<String, String> files = new LinkedHashMap<>();
    String dump = Packages.runOk(List.of("rpm", "-qp", "--qf",
        "[%{FILENAMES} %{FILEMODES:octal} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILEFLAGS:fflags}\\n]",
        Packages.rpm().toString()));
    for (String line : dump.lines().toList()) {
      String[] f = line.split(" ", 2);
      files.put(f[0], f[1].strip());
    }
    assertThat(files).containsEntry("/usr/lib/vmesh/runtime/bin/java", "100755 root root")
        .containsEntry("/usr/lib/vmesh/runtime/lib/jspawnhelper", "100755 root root")
        .containsEntry("/usr/lib/vmesh/runtime/lib/server/libjvm.so", "100644 root root")
        .containsEntry("/usr/lib/vmesh/runtime/lib", "40755 root root");
    files.keySet().removeIf(f -> f.startsWith("/usr/lib/vmesh/"));
    assertThat(files).containsOnly(
        Map.entry("/usr/share/vmesh", "40755 root root"),
        Map.entry("/usr/share/vmesh/vmesh.jar", "100644 root root"),
        Map.entry("/usr/share/vmesh/find-java", "100755 root root"),
        Map.entry("/usr/bin/vmesh", "100755 root root"),
        Map.entry("/usr/lib/systemd/system/vmesh-agent.service", "100644 root root"),
        Map.entry("/usr/lib/systemd/system/vmesh-server.service", "100644 root root"),
        Map.entry("/usr/lib/systemd/system/vmesh-gateway.service", "100644 root root"),
        Map.entry("/etc/sysconfig/vmesh-agent", "100644 root root cn"),
        Map.entry("/etc/sysconfig/vmesh-server", "100644 root root cn"),
        Map.entry("/etc/sysconfig/vmesh-gateway", "100644 root root cn"),
        Map.entry("/etc/vmesh-gateway", "40755 root root"),
        Map.entry("/etc/vmesh", "40750 root vmesh"),
        Map.entry("/etc/vmesh/server.d", "40750 root vmesh"),
        Map.entry("/var/lib/vmesh", "40750 vmesh vmesh"));
  }

  @Test
  void payloadIsTheSameAsTheDebs() {
    Map<String, String> digests = new LinkedHashMap<>();
    String dump = Packages.runOk(List.of("rpm", "-qp", "--dump", Packages.rpm().toString()));
    for (String line : dump.lines().toList()) {
      String[] f = line.split(" ");
      digests.put(f[0], f[3]);
    }
    Path deb = Packages.debRoot();
    assertThat(digests.get("/usr/share/vmesh/vmesh.jar")).isEqualTo(Packages.sha256(Packages.shadedJar()));
    for (String path : List.of("/usr/bin/vmesh", "/usr/share/vmesh/find-java", "/usr/lib/vmesh/runtime/bin/java",
        "/usr/lib/vmesh/runtime/lib/modules",
        "/usr/lib/systemd/system/vmesh-agent.service", "/usr/lib/systemd/system/vmesh-server.service",
        "/usr/lib/systemd/system/vmesh-gateway.service")) {
      assertThat(digests.get(path)).as(path).isEqualTo(Packages.sha256(deb.resolve(path.substring(1))));
    }
    assertThat(digests.get("/etc/sysconfig/vmesh-agent")).isEqualTo(Packages.sha256(deb.resolve("etc/default/vmesh-agent")));
    assertThat(digests.get("/etc/sysconfig/vmesh-server")).isEqualTo(Packages.sha256(deb.resolve("etc/default/vmesh-server")));
    assertThat(digests.get("/etc/sysconfig/vmesh-gateway"))
        .isEqualTo(Packages.sha256(deb.resolve("etc/default/vmesh-gateway")));
  }

  @Test
  void everyScriptletParsesWithShAndNoneStartsAService() {
    Map<String, String> scriptlets = scriptlets();
    assertThat(scriptlets).containsOnlyKeys("PREIN", "POSTIN", "PREUN", "POSTUN");
    Path dir = Packages.freshDir("it-rpm-scriptlets");
    for (var s : scriptlets.entrySet()) {
      assertThat(Packages.runOk(List.of("rpm", "-qp", "--qf", "%{" + s.getKey() + "PROG}", Packages.rpm().toString())))
          .as(s.getKey() + " interpreter").isEqualTo("/bin/sh");
      Path file = dir.resolve(s.getKey());
      write(file, s.getValue());
      Packages.runOk(List.of("sh", "-n", file.toString()));
      assertThat(DebScriptsCreateTheUserAndNeverStartServicesIT.serviceActions(s.getValue()))
          .as("service actions in %" + s.getKey()).isSubsetOf("daemon-reload", "disable", "try-restart");
    }
    assertThat(Packages.runOk(List.of("rpm", "-qp", "--scripts", Packages.rpm().toString())))
        .contains("preinstall scriptlet", "postinstall scriptlet", "preuninstall scriptlet",
            "postuninstall scriptlet");
  }

  @Test
  void preCreatesTheSystemUserAndPostOnlyPrintsAHint() {
    var sandbox = new ScriptSandbox("it-rpm-pre", Map.of(
        "getent", "exit 2", "groupadd", "exit 0", "useradd", "exit 0", "systemctl", "exit 0"));
    var pre = sandbox.run(scriptlets().get("PREIN"), "1");
    assertThat(pre.exit()).as(pre.output()).isZero();
    assertThat(pre.calls()).contains("groupadd -r vmesh",
        "useradd -r -g vmesh -d /var/lib/vmesh -M -s /sbin/nologin -c vmesh service mesh vmesh");

    var post = sandbox.run(scriptlets().get("POSTIN"), "1");
    assertThat(post.exit()).as(post.output()).isZero();
    assertThat(post.output()).contains("not enabled or started", "systemctl enable --now vmesh-agent");
    assertThat(DebScriptsCreateTheUserAndNeverStartServicesIT.actions(post.calls())).isSubsetOf("daemon-reload");
  }

  @Test
  void postCreatesTheGatewaysUserOnlyWhereTheGatewaysUnitIs() throws IOException {
    // %post is shared with vmesh-agent, which has no gateway: the unit's presence tells the packages apart.
    String unit = "/usr/lib/systemd/system/vmesh-gateway.service";
    String post = scriptlets().get("POSTIN");
    assertThat(post).contains("if [ -f " + unit + " ]; then");
    Path here = Packages.freshDir("it-rpm-post-gateway").resolve("vmesh-gateway.service");
    Path absent = here.resolveSibling("absent.service");
    Files.writeString(here, "");
    var sandbox = new ScriptSandbox("it-rpm-post", Map.of(
        "getent", "exit 2", "groupadd", "exit 0", "useradd", "exit 0", "systemctl", "exit 0"));

    var vmesh = sandbox.run(post.replace(unit, here.toString()), "1");
    assertThat(vmesh.exit()).as(vmesh.output()).isZero();
    assertThat(vmesh.calls()).contains("groupadd -r vmesh-gateway",
        "useradd -r -g vmesh-gateway -d /var/lib/vmesh-gateway -M -s /sbin/nologin -c vmesh gateway vmesh-gateway");
    assertThat(vmesh.output()).contains("vmesh-gateway", "not enabled or started");

    var agent = sandbox.run(post.replace(unit, absent.toString()), "1");
    assertThat(agent.exit()).as(agent.output()).isZero();
    assertThat(agent.calls()).noneMatch(c -> c.contains("vmesh-gateway"));
    assertThat(agent.output()).doesNotContain("vmesh-gateway");
  }

  @Test
  void eraseStopsAndDisablesAndUpgradeTryRestarts() {
    String preun = scriptlets().get("PREUN");
    assertThat(preun).contains("if [ \"$1\" -eq 0 ]",
        "systemctl --no-reload disable --now vmesh-agent.service vmesh-server.service \\\n    vmesh-gateway.service");
    assertThat(DebScriptsCreateTheUserAndNeverStartServicesIT.serviceActions(preun)).containsExactly("disable");
    String postun = scriptlets().get("POSTUN");
    assertThat(postun).containsPattern(
        "if \\[ \"\\$1\" -ge 1 \\]; then\\s+systemctl try-restart vmesh-agent.service vmesh-server.service"
            + " vmesh-gateway.service");
    assertThat(String.join("\n", scriptlets().values()))
        .as("the user, /etc/vmesh and /var/lib/vmesh are never removed")
        .doesNotContain("userdel", "groupdel", "rm ", "rmdir");

    var sandbox = new ScriptSandbox("it-rpm-preun", Map.of("systemctl", "exit 0"));
    var upgrade = sandbox.run(preun, "1");
    assertThat(upgrade.exit()).as(upgrade.output()).isZero();
    assertThat(upgrade.calls()).as("%preun of an upgrade leaves the services alone").isEmpty();
  }

  private static Map<String, String> scriptlets() {
    Map<String, String> found = new LinkedHashMap<>();
    for (String tag : List.of("PRETRANS", "PREIN", "POSTIN", "PREUN", "POSTUN", "POSTTRANS")) {
      String body = Packages.runOk(List.of("rpm", "-qp", "--qf", "%{" + tag + "}", Packages.rpm().toString()));
      if (!body.equals("(none)")) {
        found.put(tag, body);
      }
    }
    return found;
  }

  private static void write(Path file, String content) {
    try {
      Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
