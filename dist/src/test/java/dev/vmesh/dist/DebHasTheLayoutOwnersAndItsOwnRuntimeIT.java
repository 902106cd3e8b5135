package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The .deb's control fields, its files with owners and modes, and its conffiles, read with dpkg-deb. */
class DebHasTheLayoutOwnersAndItsOwnRuntimeIT {
  @BeforeAll
  static void tools() {
    Packages.requireTool("dpkg-deb", "install it with: apt-get install -y dpkg");
  }

  @Test
  void controlFieldsNameTheVersionArchitectureAndNoJava() {
    String deb = Packages.deb().toString();
    assertThat(Packages.deb().getFileName().toString()).isEqualTo("vmesh_" + Packages.version() + "_amd64.deb");
    assertThat(field(deb, "Package")).isEqualTo("vmesh");
    assertThat(field(deb, "Version")).isEqualTo(Packages.version());
    assertThat(field(deb, "Architecture")).isEqualTo("amd64");
    assertThat(field(deb, "Maintainer")).matches(".+ <.+@.+>");
    // The runtime is in the package (/usr/lib/vmesh/runtime); adduser for the postinst.
    assertThat(field(deb, "Depends")).isEqualTo("adduser");
    assertThat(field(deb, "Conflicts")).isEqualTo("vmesh-agent");
    assertThat(Packages.runOk(List.of("dpkg-deb", "-I", deb)))
        .contains("Description: service mesh for virtual machines");
  }

  @Test
  void filesHaveTheirOwnersAndModes() {
    Map<String, String> entries = new LinkedHashMap<>();
    for (String line : Packages.runOk(List.of("dpkg-deb", "-c", Packages.deb().toString())).lines().toList()) {
      String[] f = line.trim().split("\\s+", 6);
      entries.put(f[5].replaceFirst("^\\.", "").replaceFirst("(.)/$", "$1"), f[0] + " " + f[1]);
    }

    assertThat(entries).containsEntry("/usr/share/vmesh/vmesh.jar", "-rw-r--r-- root/root")
        .containsEntry("/usr/bin/vmesh", "-rwxr-xr-x root/root")
        .containsEntry("/usr/share/vmesh/find-java", "-rwxr-xr-x root/root")
        .containsEntry("/usr/lib/vmesh/runtime/bin/java", "-rwxr-xr-x root/root")
        .containsEntry("/usr/lib/vmesh/runtime/lib/jspawnhelper", "-rwxr-xr-x root/root")
        .containsEntry("/usr/lib/vmesh/runtime/lib/modules", "-rw-r--r-- root/root")
        .containsEntry("/usr/lib/systemd/system/vmesh-agent.service", "-rw-r--r-- root/root")
        .containsEntry("/usr/lib/systemd/system/vmesh-server.service", "-rw-r--r-- root/root")
        .containsEntry("/usr/lib/systemd/system/vmesh-gateway.service", "-rw-r--r-- root/root")
        .containsEntry("/etc/default/vmesh-agent", "-rw-r--r-- root/root")
        .containsEntry("/etc/default/vmesh-server", "-rw-r--r-- root/root")
        .containsEntry("/etc/default/vmesh-gateway", "-rw-r--r-- root/root")
        // the gateway's onboarding files are root:vmesh-gateway 0640 in a directory anyone may enter
        .containsEntry("/etc/vmesh-gateway", "drwxr-xr-x root/root")
        // root in the archive; postinst makes them root:vmesh and vmesh:vmesh with dpkg-statoverride.
        .containsEntry("/etc/vmesh", "drwxr-x--- root/root")
        .containsEntry("/etc/vmesh/server.d", "drwxr-x--- root/root")
        .containsEntry("/var/lib/vmesh", "drwxr-x--- root/root");
    assertThat(entries.keySet().stream().filter(p -> !entries.get(p).startsWith("d"))
        .filter(p -> !p.startsWith("/usr/lib/vmesh/runtime/")))
        .as("regular files in the .deb")
        .containsExactlyInAnyOrder("/usr/share/vmesh/vmesh.jar", "/usr/share/vmesh/find-java", "/usr/bin/vmesh",
            "/usr/lib/systemd/system/vmesh-agent.service", "/usr/lib/systemd/system/vmesh-server.service",
            "/usr/lib/systemd/system/vmesh-gateway.service",
            "/etc/default/vmesh-agent", "/etc/default/vmesh-server", "/etc/default/vmesh-gateway");
    assertThat(entries.keySet()).as("nothing under /etc/vmesh but the server config directory")
        .filteredOn(p -> p.startsWith("/etc/vmesh/")).containsExactly("/etc/vmesh/server.d");
    assertThat(entries.keySet()).as("/run/vmesh comes from RuntimeDirectory=, not the package")
        .noneMatch(p -> p.startsWith("/run") || p.startsWith("/var/run"));
    assertThat(entries.keySet()).as("/var/lib/vmesh-gateway comes from StateDirectory=, owned by the gateway's user")
        .noneMatch(p -> p.startsWith("/var/lib/vmesh-gateway"));
  }

  @Test
  void onlyTheEnvironmentFilesAreConffiles() {
    assertThat(Packages.readString(Packages.debControl().resolve("conffiles")).lines())
        .containsExactlyInAnyOrder("/etc/default/vmesh-agent", "/etc/default/vmesh-gateway",
            "/etc/default/vmesh-server");
  }

  @Test
  void bundledJarIsTheShadedJarAndTheUnitsAreTheSources() throws IOException {
    assertThat(Files.mismatch(Packages.debRoot().resolve("usr/share/vmesh/vmesh.jar"), Packages.shadedJar()))
        .as("the jar in the .deb differs from target/vmesh.jar").isEqualTo(-1L);
    assertThat(Packages.debRoot().resolve("usr/share/vmesh/find-java"))
        .hasSameTextualContentAs(Packages.moduleDir().resolve("../bin/find-java"));
    for (String unit : List.of("vmesh-agent.service", "vmesh-server.service", "vmesh-gateway.service")) {
      assertThat(Packages.debRoot().resolve("usr/lib/systemd/system/" + unit))
          .hasSameTextualContentAs(Packages.moduleDir().resolve("src/systemd/" + unit));
    }
  }

  private static String field(String deb, String name) {
    return Packages.runOk(List.of("dpkg-deb", "-f", deb, name)).strip();
  }
}
