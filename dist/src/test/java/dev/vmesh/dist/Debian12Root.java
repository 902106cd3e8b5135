package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code Debian12Root} is a fresh Debian 12 without Java (debootstrap's minbase, which has no Java at all)
 * for one test, with {@code /proc} mounted, and the commands that run in it with chroot.
 *
 * <p>The root file system is made once with debootstrap and kept in {@code /var/cache/vmesh/debian12-rootfs}
 * ({@code VMESH_DEBIAN12_ROOTFS} names another place; delete it to make a new one); each test works on a
 * copy under target/. Making it needs debootstrap ({@code .ci/run} installs it), root (chroot), and Debian's
 * mirror ({@code VMESH_DEBIAN_MIRROR}, default http://deb.debian.org/debian); where one is missing the tests
 * are skipped and say which.
 */
final class Debian12Root implements AutoCloseable {
  private static final Path ROOTFS = Path.of(System.getenv().getOrDefault("VMESH_DEBIAN12_ROOTFS",
      "/var/cache/vmesh/debian12-rootfs"));
  static final Map<String, String> ENV = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL", "C");

  private final Path dir;

  private Debian12Root(Path dir) {
    this.dir = dir;
  }

  /** A copy of the cached Debian 12 root file system under target/it-debian12-NAME, made first if there is none. */
  static Debian12Root fresh(String name) {
    assumeTrue("0".equals(Packages.run(List.of("id", "-u")).out().strip()),
        "chroot and debootstrap need root; run the package tests as root to include this one");
    cacheRootfs();
    Path root = Packages.moduleDir().resolve("target/it-debian12-" + name);
    Packages.run(List.of("umount", root.resolve("proc").toString()));
    Packages.run(List.of("rm", "-rf", root.toString()));
    Packages.runOk(List.of("cp", "-a", ROOTFS.toString(), root.toString()));
    // As on a real machine: the dynamic loader resolves the runtime's $ORIGIN paths through /proc.
    Packages.runOk(List.of("mount", "-t", "proc", "proc", root.resolve("proc").toString()));
    return new Debian12Root(root);
  }

  Path dir() {
    return dir;
  }

  /** Installs {@code deb} with dpkg -i, after checking that there is no Java in the root file system. */
  void install(Path deb) throws Exception {
    Packages.Result java = Packages.run(List.of("chroot", dir.toString(), "sh", "-c",
        "command -v java || ls -d /usr/lib/jvm/*"));
    assertThat(java.exit()).as("the Debian 12 root file system has a Java: %s", java.out()).isNotZero();
    Files.copy(deb, dir.resolve("tmp/package.deb"));
    chroot("dpkg", "-i", "/tmp/package.deb");
  }

  /** Runs a command in the root file system with chroot; fails the test unless it exits with 0. */
  Packages.Result chroot(String... command) {
    List<String> argv = new ArrayList<>(List.of("chroot", dir.toString()));
    argv.addAll(List.of(command));
    Packages.Result r = Packages.run(argv, ENV);
    assertThat(r.exit()).as("%s in %s exited with %d:%n%s", String.join(" ", command), dir, r.exit(), r.both())
        .isZero();
    return r;
  }

  /** Unmounts /proc (the copy stays under target/ to look at). */
  @Override
  public void close() {
    Packages.run(List.of("umount", dir.resolve("proc").toString()));
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
