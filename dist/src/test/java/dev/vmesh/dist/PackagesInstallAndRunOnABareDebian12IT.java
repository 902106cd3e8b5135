package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each package on a fresh Debian 12 without Java (debootstrap's minbase, which has no Java at all): it
 * installs with {@code dpkg -i}, and {@code vmesh version} and {@code vmesh agent --help} run inside the
 * root file system with chroot, on the runtime the package carries.
 *
 * <p>The root file system is made once with debootstrap and kept in {@code /var/cache/vmesh/debian12-rootfs}
 * ({@code VMESH_DEBIAN12_ROOTFS} names another place; delete it to make a new one); each test works on a
 * copy under target/. Making it needs debootstrap ({@code .ci/run} installs it), root (chroot), and Debian's
 * mirror ({@code VMESH_DEBIAN_MIRROR}, default http://deb.debian.org/debian); where one is missing the tests
 * are skipped and say which.
 */
class PackagesInstallAndRunOnABareDebian12IT {
  private static final Path ROOTFS = Path.of(System.getenv().getOrDefault("VMESH_DEBIAN12_ROOTFS",
      "/var/cache/vmesh/debian12-rootfs"));

  /** The root file systems of this class's tests with /proc mounted (unmounted after all). */
  private static final List<Path> MOUNTED = new ArrayList<>();

  @org.junit.jupiter.api.AfterAll
  static void unmount() {
    MOUNTED.forEach(p -> Packages.run(List.of("umount", p.resolve("proc").toString())));
  }

  @Test
  void agentPackageInstallsAndRunsWithoutJava() throws Exception {
    Path root = freshRoot("agent");
    install(root, Packages.agentDeb());

    assertThat(chroot(root, "vmesh", "version").out()).startsWith("vmesh " + Packages.projectVersion() + " (Java ");
    assertThat(chroot(root, "vmesh", "agent", "--help").out()).contains("Run the VM agent");
    assertThat(chroot(root, "getent", "passwd", "vmesh").out()).contains("/var/lib/vmesh");
  }

  @Test
  void fullPackageInstallsAndRunsWithoutJava() throws Exception {
    Path root = freshRoot("server");
    install(root, Packages.deb());

    assertThat(chroot(root, "vmesh", "version").out()).startsWith("vmesh " + Packages.projectVersion() + " (Java ");
    assertThat(chroot(root, "vmesh", "agent", "--help").out()).contains("Run the VM agent");
    assertThat(chroot(root, "vmesh", "server", "--help").out()).contains("--data-dir");
  }

  private static void install(Path root, Path deb) throws Exception {
    Packages.Result java = Packages.run(List.of("chroot", root.toString(), "sh", "-c",
        "command -v java || ls -d /usr/lib/jvm/*"));
    assertThat(java.exit()).as("the Debian 12 root file system has a Java: %s", java.out()).isNotZero();
    Files.copy(deb, root.resolve("tmp/package.deb"));
    chroot(root, "dpkg", "-i", "/tmp/package.deb");
  }

  /** Runs a command in {@code root} with chroot; fails the test unless it exits with 0. */
  private static Packages.Result chroot(Path root, String... command) {
    List<String> argv = new ArrayList<>(List.of("chroot", root.toString()));
    argv.addAll(List.of(command));
    Packages.Result r = Packages.run(argv, java.util.Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin",
        "LC_ALL", "C"));
    assertThat(r.exit()).as("%s in %s exited with %d:%n%s", String.join(" ", command), root, r.exit(), r.both())
        .isZero();
    return r;
  }

  /** A copy of the cached Debian 12 root file system under target/, made first if there is none. */
  private static Path freshRoot(String name) {
    assumeTrue("0".equals(Packages.run(List.of("id", "-u")).out().strip()),
        "chroot and debootstrap need root; run the package tests as root to include this one");
    cacheRootfs();
    Path root = Packages.moduleDir().resolve("target/it-debian12-" + name);
    Packages.run(List.of("umount", root.resolve("proc").toString()));
    Packages.run(List.of("rm", "-rf", root.toString()));
    Packages.runOk(List.of("cp", "-a", ROOTFS.toString(), root.toString()));
    // As on a real machine: the dynamic loader resolves the runtime's $ORIGIN paths through /proc.
    Packages.runOk(List.of("mount", "-t", "proc", "proc", root.resolve("proc").toString()));
    synchronized (MOUNTED) {
      MOUNTED.add(root);
    }
    return root;
  }

  private static synchronized void cacheRootfs() {
    if (Files.isDirectory(ROOTFS.resolve("usr/bin"))) {
      return;
    }
    assumeTrue(Packages.onPath("debootstrap"), "debootstrap is not installed and " + ROOTFS + " does not exist:"
        + " apt-get install -y debootstrap (.ci/run does)");
    String mirror = System.getenv().getOrDefault("VMESH_DEBIAN_MIRROR", "http://deb.debian.org/debian");
    Path tmp = ROOTFS.resolveSibling(ROOTFS.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    Packages.Result r = Packages.run(List.of("debootstrap", "--variant=minbase", "--include=adduser", "bookworm",
        tmp.toString(), mirror), null, 15);
    if (r.exit() != 0) {
      Packages.run(List.of("rm", "-rf", tmp.toString()));
      abort("debootstrap could not make a Debian 12 root file system from " + mirror + " (exit " + r.exit()
          + "; is the mirror reachable? VMESH_DEBIAN_MIRROR names another): "
          + r.both().lines().reduce((a, b) -> b).orElse(""));
    }
    Packages.runOk(List.of("mv", "-T", tmp.toString(), ROOTFS.toString()));
  }
}
