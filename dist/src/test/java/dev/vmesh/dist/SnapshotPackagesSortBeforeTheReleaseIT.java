package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The package version made from the Maven version is valid for dpkg and rpm, and a -SNAPSHOT build
 * sorts before the release it leads to, so upgrading from a snapshot to the release works.
 */
class SnapshotPackagesSortBeforeTheReleaseIT {
  @Test
  void versionIsDerivedFromTheMavenVersion() {
    String maven = Packages.projectVersion();
    String version = Packages.version();
    if (maven.endsWith("-SNAPSHOT")) {
      assertThat(version).isEqualTo(maven.substring(0, maven.length() - "-SNAPSHOT".length()) + "~snapshot");
    } else if (!maven.contains("-")) {
      assertThat(version).isEqualTo(maven);
    } else {
      assertThat(version).as("a qualifier such as -rc1 becomes ~rc1").contains("~").doesNotContain("-");
    }
    assertThat(Packages.version()).matches("[0-9][0-9A-Za-z.+~]*");
  }

  @Test
  void dpkgAndRpmOrderTheSnapshotBeforeTheRelease() {
    String version = Packages.version();
    String release = version.replaceFirst("~.*$", "");
    if (release.equals(version)) {
      return; // a release build: nothing precedes it here
    }
    Packages.requireTool("dpkg", "install it with: apt-get install -y dpkg");
    Packages.requireTool("rpm", "install it with: apt-get install -y rpm");
    Packages.runOk(List.of("dpkg", "--compare-versions", version, "lt", release));
    String cmp = Packages.runOk(List.of("rpm", "--eval",
        "%{lua: print(rpm.vercmp(\"" + version + "-1\", \"" + release + "-1\"))}")).strip();
    assertThat(cmp).as("rpm.vercmp(%s-1, %s-1)", version, release).isEqualTo("-1");
  }
}
