package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/find-java}, the one Java lookup of {@code ./mvnw}, {@code .ci/run}, {@code bin/vmesh} and
 * the packaged launcher, run against fake Java homes: a directory of JDKs standing in for
 * /usr/lib/jvm ({@code VMESH_JVM_DIR}), and a PATH holding only the tools the script uses (plus a
 * {@code java} where a test puts one), so the machine's own Java plays no part.
 */
class FindJavaPicksTheFirstJava21OrNewerTest {
  private static final Path SCRIPT = Packages.moduleDir().resolve("../bin/find-java").normalize();

  @TempDir
  Path dir;
  Path jvm;
  Path tools;

  @BeforeEach
  void tools() throws IOException {
    jvm = Files.createDirectories(dir.resolve("jvm"));
    tools = Packages.toolsOnly(dir.resolve("tools"), "sed", "dirname", "readlink", "cat");
  }

  @Test
  void javaHomeWinsWhenItIs21OrNewer() throws IOException {
    Path home = jdk(dir.resolve("own-jdk"), "21.0.4", true);
    jdk(jvm.resolve("a-jdk-25"), "25.0.1", true);

    Packages.Result r = findJava(Map.of("JAVA_HOME", home.toString()), "--jdk");

    assertThat(r.exit()).as(r.both()).isZero();
    assertThat(r.out().strip()).isEqualTo(home.toString());
    assertThat(r.err()).isEmpty();
  }

  @Test
  void anOlderJavaHomeIsPassedOverWithANote() throws IOException {
    Path old = jdk(dir.resolve("jdk-17"), "17.0.15", true);
    Path newer = jdk(jvm.resolve("temurin-25-jdk-amd64"), "25.0.3", true);

    Packages.Result r = findJava(Map.of("JAVA_HOME", old.toString()), "--jdk");

    assertThat(r.exit()).as(r.both()).isZero();
    assertThat(r.out().strip()).isEqualTo(newer.toString());
    assertThat(r.err()).contains("JAVA_HOME=" + old + " is not a Java 21 or newer JDK; looking elsewhere");
  }

  @Test
  void theJavaOnPathComesBeforeTheJvmDirectory() throws IOException {
    Path onPath = jdk(dir.resolve("default-java"), "21", true);
    Files.createSymbolicLink(tools.resolve("java"), onPath.resolve("bin/java"));
    jdk(jvm.resolve("a-jdk-25"), "25.0.1", true);

    Packages.Result r = findJava(Map.of(), "--jdk");

    assertThat(r.out().strip()).as(r.both()).isEqualTo(onPath.toString());
  }

  @Test
  void underTheJvmDirectoryOldJavasAndRuntimesWithoutJavacAreSkippedWhenBuilding() throws IOException {
    Files.createSymbolicLink(tools.resolve("java"), jdk(dir.resolve("java-17"), "17.0.15", true).resolve("bin/java"));
    jdk(jvm.resolve("a-java-17"), "17.0.15", true);
    Path jre = jdk(jvm.resolve("b-jre-21"), "21.0.4", false);
    Files.createDirectories(jvm.resolve("c-docs-only"));
    Path jdk = jdk(jvm.resolve("d-jdk-22"), "22", true);

    assertThat(findJava(Map.of(), "--jdk").out().strip()).isEqualTo(jdk.toString());
    assertThat(findJava(Map.of()).out().strip()).as("running needs no javac").isEqualTo(jre.toString());
  }

  @Test
  void withoutAReleaseFileTheVersionComesFromTheJvmAndMajorPrintsIt() throws IOException {
    Path home = jdk(jvm.resolve("jdk-without-release"), null, true);

    Packages.Result r = findJava(Map.of(), "--major");

    assertThat(r.out().strip()).as(r.both()).isEqualTo("23 " + home);
  }

  @Test
  void noneFoundExitsWithHowToInstallOneOnEachDistribution() throws IOException {
    jdk(jvm.resolve("java-17-openjdk-amd64"), "17.0.15", true);

    Packages.Result r = findJava(Map.of("JAVA_HOME", ""), "--jdk");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("needs a JDK 21 or newer (with javac), and none was found",
        "Debian 13, Ubuntu 24.04:  apt-get install -y openjdk-21-jdk-headless",
        "Debian 12:                temurin-21-jdk from Adoptium's apt repository",
        "dnf install -y java-21-openjdk-headless java-21-openjdk-devel", "JAVA_HOME");
    assertThat(findJava(Map.of()).err()).as("a runtime is enough to run vmesh")
        .contains("apt-get install -y openjdk-21-jre-headless");
  }

  @Test
  void unknownArgumentsAreRefusedWithTheUsage() {
    Packages.Result r = findJava(Map.of(), "--jre");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("unknown argument --jre; usage: find-java [--jdk] [--major]");
  }

  private Packages.Result findJava(Map<String, String> extraEnv, String... args) {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", tools.toString());
    env.put("VMESH_JVM_DIR", jvm.toString());
    env.putAll(extraEnv);
    List<String> command = new ArrayList<>(List.of("/bin/sh", SCRIPT.toString()));
    command.addAll(List.of(args));
    return Packages.run(command, env);
  }

  /**
   * A fake Java home: {@code bin/java} (which prints its version the way {@code -XshowSettings} does),
   * {@code bin/javac} for a JDK, and a {@code release} file unless {@code version} is null (then the
   * JVM says 23).
   */
  private static Path jdk(Path home, String version, boolean withJavac) throws IOException {
    Files.createDirectories(home.resolve("bin"));
    String reported = version == null ? "23" : version.replaceFirst("^(\\d+).*", "$1");
    executable(home.resolve("bin/java"), "#!/bin/sh\necho '    java.specification.version = " + reported + "' >&2\n");
    if (withJavac) {
      executable(home.resolve("bin/javac"), "#!/bin/sh\nexit 0\n");
    }
    if (version != null) {
      Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
    }
    return home;
  }

  private static void executable(Path file, String text) throws IOException {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
