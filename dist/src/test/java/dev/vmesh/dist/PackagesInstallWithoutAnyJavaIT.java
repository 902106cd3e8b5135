package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The packages carry their own Java runtime, so they install without any Java package, put to the real
 * resolvers: apt (simulating against a made-up dpkg status file) and rpm (testing an install into a
 * throw-away database). Debian 12, whose newest Java is 17, installs them as they are. Nothing is
 * installed on the host.
 */
class PackagesInstallWithoutAnyJavaIT {
  @Test
  void aptInstallsBothPackagesOnDebian12WithOnlyJava17OrNoJavaAtAll() throws IOException {
    Packages.requireTool("apt-get", "run these tests on Debian or Ubuntu");
    String adduser = stanza("adduser", "3.134", "");
    String debian12Java = stanza("default-jre-headless", "2:1.17-74", "")
        + stanza("openjdk-17-jre-headless", "17.0.15+6-1~deb12u1", "java-runtime-headless (= 17)");

    for (Path deb : List.of(Packages.deb(), Packages.agentDeb())) {
      String name = deb.getFileName().toString().replaceFirst("_.*", "");
      for (var system : List.of(List.of("no-java", adduser), List.of("debian12-java17", adduser + debian12Java))) {
        Packages.Result r = aptInstall(name + "-" + system.get(0), system.get(1), deb);
        assertThat(r.exit()).as(name + " on " + system.get(0) + ":\n" + r.both()).isZero();
        // Nothing else is installed with it: no Java comes along.
        assertThat(r.out()).as(name).contains("Inst " + name + " (" + Packages.version())
            .contains("The following NEW packages will be installed:\n  " + name + "\n")
            .doesNotContainPattern("(?m)^Inst (?!" + name + " )");
      }
      Packages.Result noAdduser = aptInstall(name + "-no-adduser", debian12Java, deb);
      assertThat(noAdduser.out()).contains("Depends: adduser but it is not installable");
    }
  }

  @Test
  void rpmInstallsWithoutJava() throws IOException {
    Packages.requireTool("rpm", "install it with: apt-get install -y rpm");
    Packages.requireTool("rpmbuild", "install it with: apt-get install -y rpm");
    Path dir = Packages.freshDir("it-rpm-deps");
    // What a minimal RHEL has anyway: /bin/sh (bash) and shadow-utils; no Java.
    Path base = fakeRpm(dir, "base", "1", "Provides: /bin/sh\nProvides: shadow-utils\n");

    Packages.Result r = rpmInstallTest(dir.resolve("root"), base);
    assertThat(r.exit()).as(r.both()).isZero();
  }

  /** {@code apt-get -s install ./DEB} against a system whose installed packages are {@code status}. */
  private static Packages.Result aptInstall(String name, String status, Path deb) throws IOException {
    Path dir = Packages.freshDir("it-apt-" + name);
    Files.createDirectories(dir.resolve("lists/partial"));
    Files.createDirectories(dir.resolve("cache/archives/partial"));
    Files.createDirectories(dir.resolve("sources.list.d"));
    Files.createDirectories(dir.resolve("preferences.d"));
    Files.writeString(dir.resolve("sources.list"), "");
    Files.writeString(dir.resolve("status"), status);
    return Packages.run(List.of("apt-get", "-s", "-q",
        "-o", "Dir::State::status=" + dir.resolve("status"),
        "-o", "Dir::State::Lists=" + dir.resolve("lists"),
        "-o", "Dir::Cache=" + dir.resolve("cache"),
        "-o", "Dir::Etc::SourceList=" + dir.resolve("sources.list"),
        "-o", "Dir::Etc::SourceParts=" + dir.resolve("sources.list.d"),
        "-o", "Dir::Etc::Preferences=" + dir.resolve("preferences"),
        "-o", "Dir::Etc::PreferencesParts=" + dir.resolve("preferences.d"),
        "-o", "APT::Install-Recommends=false",
        "install", deb.toString()));
  }

  private static String stanza(String name, String version, String provides) {
    return "Package: " + name + "\nStatus: install ok installed\nVersion: " + version
        + "\nArchitecture: all\nMaintainer: test <test@example.org>\n"
        + (provides.isEmpty() ? "" : "Provides: " + provides + "\n")
        + "Description: stand-in for the real package\n\n";
  }

  /** Builds an empty noarch rpm with {@code tags} (Provides: ...) using rpmbuild. */
  private static Path fakeRpm(Path dir, String name, String version, String tags) throws IOException {
    Path spec = dir.resolve(name + ".spec");
    Files.writeString(spec, "Name: " + name + "\nVersion: " + version + "\nRelease: 1\nSummary: stand-in\n"
        + "License: none\nBuildArch: noarch\n" + tags + "%description\nstand-in\n%files\n");
    Packages.runOk(List.of("rpmbuild", "-bb", "--quiet", "--define", "_topdir " + dir.resolve("build"),
        spec.toString()));
    return dir.resolve("build/RPMS/noarch/" + name + "-" + version + "-1.noarch.rpm");
  }

  /** {@code rpm -i --test vmesh.rpm} in a fresh database under {@code root} holding {@code installed}. */
  private static Packages.Result rpmInstallTest(Path root, Path... installed) throws IOException {
    Files.createDirectories(root);
    Packages.runOk(List.of("rpm", "--root", root.toString(), "--initdb"));
    List<String> install = new ArrayList<>(List.of("rpm", "--root", root.toString(), "-i", "--justdb", "--nodeps",
        "--noscripts"));
    for (Path p : installed) {
      install.add(p.toString());
    }
    Packages.runOk(install);
    return Packages.run(List.of("rpm", "--root", root.toString(), "-i", "--test", Packages.rpm().toString()));
  }
}
