package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The .deb's maintainer scripts, taken out with {@code dpkg-deb -e}: they parse with sh, create the
 * vmesh user, never enable or start a service, restart only running services on upgrade and keep
 * /etc/vmesh. postinst and prerm also run in a {@link ScriptSandbox} against stub commands.
 */
class DebScriptsCreateTheUserAndNeverStartServicesIT {
  /** systemctl, deb-systemd-invoke or deb-systemd-helper (also through the scripts' invoke helper). */
  private static final Pattern SERVICE_ACTION =
      Pattern.compile("(?:systemctl|deb-systemd-invoke|deb-systemd-helper|invoke)\\s+(?:--\\S+\\s+)*([a-z-]+)");

  @BeforeAll
  static void tools() {
    Packages.requireTool("dpkg-deb", "install it with: apt-get install -y dpkg");
    Packages.requireTool("sh", "install dash or bash");
  }

  @Test
  void everyScriptParsesWithSh() {
    assertThat(scripts()).containsOnlyKeys("postinst", "prerm", "postrm");
    for (String name : scripts().keySet()) {
      Path script = Packages.debControl().resolve(name);
      assertThat(script).as(name + " must be executable").isExecutable();
      Packages.runOk(List.of("sh", "-n", script.toString()));
      assertThat(Packages.readString(script)).as(name).startsWith("#!/bin/sh\n").contains("set -e\n");
    }
  }

  @Test
  void postinstCreatesTheSystemUserWithoutAHomeOrShell() {
    String postinst = scripts().get("postinst");
    assertThat(postinst).contains("getent group vmesh", "addgroup --system --quiet vmesh",
        "getent passwd vmesh", "adduser --system --quiet --ingroup vmesh --home /var/lib/vmesh --no-create-home",
        "--shell /usr/sbin/nologin vmesh",
        "override root vmesh 0750 /etc/vmesh", "override vmesh vmesh 0750 /var/lib/vmesh");

    var sandbox = new ScriptSandbox("it-deb-postinst", Map.of(
        "getent", "exit 2", "addgroup", "exit 0", "adduser", "exit 0",
        "dpkg-statoverride", "[ \"$1\" = --list ] && exit 1; exit 0",
        "systemctl", "exit 0", "deb-systemd-invoke", "exit 0"));
    var fresh = sandbox.run(postinst, "configure", "");
    assertThat(fresh.exit()).as(fresh.output()).isZero();
    assertThat(fresh.calls()).contains(
        "addgroup --system --quiet vmesh",
        "adduser --system --quiet --ingroup vmesh --home /var/lib/vmesh --no-create-home"
            + " --shell /usr/sbin/nologin vmesh",
        "dpkg-statoverride --update --add root vmesh 0750 /etc/vmesh",
        "dpkg-statoverride --update --add root vmesh 0750 /etc/vmesh/server.d",
        "dpkg-statoverride --update --add vmesh vmesh 0750 /var/lib/vmesh",
        "addgroup --system --quiet vmesh-gateway",
        "adduser --system --quiet --ingroup vmesh-gateway --home /var/lib/vmesh-gateway --no-create-home"
            + " --shell /usr/sbin/nologin vmesh-gateway");
    assertThat(fresh.output()).contains("not enabled or started", "systemctl enable --now vmesh-agent");
    assertThat(actions(fresh.calls())).as("a fresh install only reloads systemd").isSubsetOf("daemon-reload");

    var sandboxWithUser = new ScriptSandbox("it-deb-postinst-upgrade", Map.of(
        "getent", "exit 0", "dpkg-statoverride", "exit 0", "systemctl", "exit 0", "deb-systemd-invoke", "exit 0"));
    var upgrade = sandboxWithUser.run(postinst, "configure", "0.0.1");
    assertThat(upgrade.exit()).as(upgrade.output()).isZero();
    assertThat(upgrade.calls()).as("existing user and statoverrides are left alone")
        .noneMatch(c -> c.startsWith("adduser") || c.startsWith("addgroup") || c.contains("--add"));
    assertThat(actions(upgrade.calls())).isSubsetOf("daemon-reload", "try-restart");
  }

  @Test
  void noScriptEnablesOrStartsAService() {
    for (var script : scripts().entrySet()) {
      assertThat(serviceActions(script.getValue()))
          .as("service actions in " + script.getKey())
          .isSubsetOf("daemon-reload", "try-restart", "stop");
    }
    assertThat(serviceActions(scripts().get("postinst"))).contains("daemon-reload", "try-restart");
    assertThat(serviceActions(scripts().get("prerm"))).containsExactly("stop");
    assertThat(scripts().get("prerm")).contains("remove|deconfigure)", "invoke stop $units");
    for (String script : List.of("postinst", "prerm")) {
      assertThat(scripts().get(script)).as(script + "'s units")
          .contains("units=\"vmesh-agent.service vmesh-server.service vmesh-gateway.service\"");
    }
  }

  @Test
  void upgradeRestartsOnlyRunningServices() {
    String postinst = scripts().get("postinst");
    // try-restart (a no-op for stopped units) in the branch where $2, the old version, is set.
    assertThat(postinst).containsPattern(
        "if \\[ -z \"\\$2\" \\]; then[\\s\\S]*?elif \\[ -d /run/systemd/system \\]; then[\\s\\S]*?"
            + "invoke try-restart \\$units");
    assertThat(postinst).doesNotContain("invoke restart", "systemctl restart");

    var sandbox = new ScriptSandbox("it-deb-prerm", Map.of("systemctl", "exit 0", "deb-systemd-invoke", "exit 0"));
    var upgrade = sandbox.run(scripts().get("prerm"), "upgrade", "0.2.0");
    assertThat(upgrade.exit()).as(upgrade.output()).isZero();
    assertThat(upgrade.calls()).as("prerm upgrade leaves the services running").isEmpty();
    var remove = sandbox.run(scripts().get("prerm"), "remove");
    assertThat(remove.exit()).as(remove.output()).isZero();
    assertThat(actions(remove.calls())).isSubsetOf("stop");
  }

  @Test
  void removeKeepsConfigAndStateAndPurgeKeepsTheUserAndAdminFiles() {
    String postrm = scripts().get("postrm");
    String remove = postrm.substring(postrm.indexOf("  remove)"), postrm.indexOf("  purge)"));
    assertThat(remove).doesNotContain("rm ", "/etc/vmesh", "/var/lib/vmesh");
    String purge = postrm.substring(postrm.indexOf("  purge)"), postrm.indexOf("  upgrade|"));
    assertThat(purge).contains("rm -rf /var/lib/vmesh /var/lib/vmesh-gateway", "rmdir /etc/vmesh 2>/dev/null",
            "rmdir /etc/vmesh-gateway 2>/dev/null", "*.wants/vmesh-gateway.service")
        .doesNotContain("rm -rf /etc/vmesh", "deluser", "delgroup", "userdel");
  }

  private static Map<String, String> scripts() {
    Path control = Packages.debControl();
    var found = new TreeMap<String, String>();
    for (String name : List.of("preinst", "postinst", "prerm", "postrm")) {
      if (control.resolve(name).toFile().exists()) {
        found.put(name, Packages.readString(control.resolve(name)));
      }
    }
    return found;
  }

  /** The systemctl-like actions a script runs, leaving out comments and messages it prints. */
  static List<String> serviceActions(String script) {
    return actions(script.lines().map(String::strip)
        .filter(l -> !l.startsWith("#") && !l.startsWith("echo ")).toList());
  }

  /** The systemctl-like actions in {@code lines}: "daemon-reload", "stop", ... */
  static List<String> actions(List<String> lines) {
    return lines.stream().flatMap(l -> SERVICE_ACTION.matcher(l).results().map(m -> m.group(1))).toList();
  }
}
