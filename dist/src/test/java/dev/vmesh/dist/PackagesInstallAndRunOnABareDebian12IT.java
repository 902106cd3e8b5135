package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Each package on a fresh Debian 12 without Java ({@link Debian12Root}): it installs with {@code dpkg -i},
 * and {@code vmesh version} and {@code vmesh agent --help} run inside the root file system with chroot, on
 * the runtime the package carries. {@link PackagesJoinAMeshFromADebian12ChrootIT} runs them for real.
 */
class PackagesInstallAndRunOnABareDebian12IT {
  @Test
  void agentPackageInstallsAndRunsWithoutJava() throws Exception {
    try (Debian12Root root = Debian12Root.fresh("agent")) {
      root.install(Packages.agentDeb());

      assertThat(root.chroot("vmesh", "version").out()).startsWith("vmesh " + Packages.projectVersion() + " (Java ");
      assertThat(root.chroot("vmesh", "agent", "--help").out()).contains("Run the VM agent");
      assertThat(root.chroot("getent", "passwd", "vmesh").out()).contains("/var/lib/vmesh");
    }
  }

  @Test
  void fullPackageInstallsAndRunsWithoutJava() throws Exception {
    try (Debian12Root root = Debian12Root.fresh("server")) {
      root.install(Packages.deb());

      assertThat(root.chroot("vmesh", "version").out()).startsWith("vmesh " + Packages.projectVersion() + " (Java ");
      assertThat(root.chroot("vmesh", "agent", "--help").out()).contains("Run the VM agent");
      assertThat(root.chroot("vmesh", "server", "--help").out()).contains("--data-dir");
    }
  }
}
