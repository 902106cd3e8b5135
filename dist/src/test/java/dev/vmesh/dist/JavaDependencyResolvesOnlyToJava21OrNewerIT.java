package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The packages' Java dependency, put to the real resolvers: apt (simulating against a made-up dpkg
 * status file) and rpm (testing an install into a throw-away database). The installed Java packages
 * are stand-ins declaring what the distributions' packages provide. Nothing is installed on the host.
 */
class JavaDependencyResolvesOnlyToJava21OrNewerIT {
  @Test
  void aptAcceptsDebian13sDefaultJavaAndTemurinButNotDebian12sJava17() throws IOException {
    Packages.requireTool("apt-get", "run these tests on Debian or Ubuntu");
    String adduser = stanza("adduser", "3.134", "");
    String debian12Java = stanza("default-jre-headless", "2:1.17-74", "")
        + stanza("openjdk-17-jre-headless", "17.0.15+6-1~deb12u1", openJdkProvides(17));
    String debian13Java = stanza("default-jre-headless", "2:1.21-76", "")
        + stanza("openjdk-21-jre-headless", "21.0.8+9-1", openJdkProvides(21));
    // Temurin (like Corretto and Microsoft's build) provides an unversioned java-runtime-headless.
    String temurin25 = stanza("temurin-25-jdk", "25.0.1.0.0+8-0", IntStream.rangeClosed(2, 25)
        .mapToObj(v -> "java" + v + "-runtime-headless")
        .collect(Collectors.joining(", ", "java-runtime-headless, ", "")));

    Packages.Result debian12 = aptInstall("debian12", adduser + debian12Java);
    assertThat(debian12.exit()).as(debian12.both()).isNotZero();
    assertThat(debian12.out()).contains(
        "vmesh : Depends: default-jre-headless (>= 2:1.21) but 2:1.17-74 is to be installed or",
        "java21-runtime-headless but it is not installable");

    for (var system : List.of(List.of("debian13", adduser + debian13Java),
        List.of("debian12-temurin25", adduser + debian12Java + temurin25))) {
      Packages.Result r = aptInstall(system.get(0), system.get(1));
      assertThat(r.exit()).as(system.get(0) + ":\n" + r.both()).isZero();
      assertThat(r.out()).as(system.get(0)).contains("Inst vmesh (" + Packages.version());
    }

    Packages.Result noAdduser = aptInstall("no-adduser", debian13Java);
    assertThat(noAdduser.out()).contains("Depends: adduser but it is not installable");
  }

  @Test
  void rpmAcceptsOpenJdk21And25ButNotOpenJdk17() throws IOException {
    Packages.requireTool("rpm", "install it with: apt-get install -y rpm");
    Packages.requireTool("rpmbuild", "install it with: apt-get install -y rpm");
    Path dir = Packages.freshDir("it-rpm-deps");
    // What a minimal RHEL has anyway: /bin/sh (bash) and shadow-utils.
    Path base = fakeRpm(dir, "base", "1", "Provides: /bin/sh\nProvides: shadow-utils\n");
    // java-NN-openjdk-headless provides java-headless = 1:NN.
    Path jdk17 = fakeRpm(dir, "java-17-openjdk-headless", "17.0.13", "Provides: java-headless = 1:17\n");
    Path jdk21 = fakeRpm(dir, "java-21-openjdk-headless", "21.0.5", "Provides: java-headless = 1:21\n");
    Path jdk25 = fakeRpm(dir, "java-25-openjdk-headless", "25.0.1", "Provides: java-headless = 1:25\n");

    Packages.Result with17 = rpmInstallTest(dir.resolve("root17"), base, jdk17);
    assertThat(with17.exit()).as(with17.both()).isNotZero();
    assertThat(with17.both()).contains("java-headless >= 1:21 is needed by vmesh-" + Packages.version());
    for (Path jdk : List.of(jdk21, jdk25)) {
      Packages.Result r = rpmInstallTest(dir.resolve("root-" + jdk.getFileName()), base, jdk);
      assertThat(r.exit()).as(jdk.getFileName() + ":\n" + r.both()).isZero();
    }
  }

  /** {@code apt-get -s install ./vmesh.deb} against a system whose installed packages are {@code status}. */
  private static Packages.Result aptInstall(String name, String status) throws IOException {
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
        "install", Packages.deb().toString()));
  }

  private static String stanza(String name, String version, String provides) {
    return "Package: " + name + "\nStatus: install ok installed\nVersion: " + version
        + "\nArchitecture: all\nMaintainer: test <test@example.org>\n"
        + (provides.isEmpty() ? "" : "Provides: " + provides + "\n")
        + "Description: stand-in for the real package\n\n";
  }

  /** What Debian's openjdk-NN-jre-headless provides: java-runtime-headless (= NN) and javaK-... for K <= NN. */
  private static String openJdkProvides(int feature) {
    return IntStream.rangeClosed(2, feature).mapToObj(v -> "java" + v + "-runtime-headless")
        .collect(Collectors.joining(", ", "java-runtime-headless (= " + feature + "), ", ""));
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
