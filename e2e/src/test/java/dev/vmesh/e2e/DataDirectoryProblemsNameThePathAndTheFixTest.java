package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmesh server} run by a user who may not create or write its {@code --data-dir} (the tests run as
 * root; the server runs as nobody through setpriv), and with a file for a data directory: each stops at
 * once with the path, what is wrong in plain words, and the fix.
 */
class DataDirectoryProblemsNameThePathAndTheFixTest {
  private static final String[] AS_NOBODY = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};

  @TempDir
  Path tmp;

  private String serverFails(String name, Path dataDir, boolean asNobody) throws Exception {
    VmeshProcess p = new VmeshProcess(name, tmp, "server", "--data-dir", dataDir.toString(),
        "--http-address", "127.0.0.1:0", "--xds-address", "127.0.0.1:0");
    if (asNobody) {
      p.wrappedIn(tmp, AS_NOBODY);
    }
    try (p) {
      p.start();
      assertThat(p.waitForExit(Duration.ofSeconds(60))).as(p.output()).isEqualTo(2);
      return p.output();
    }
  }

  @Test
  void permissionDeniedAndNotADirectorySayWhichPathAndWhatToDo() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
        "needs root and setpriv (util-linux) to run the server as another user");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x")); // nobody may enter, not write
    Path rootsOnly = Files.createDirectories(tmp.resolve("roots"));
    Files.setPosixFilePermissions(rootsOnly, PosixFilePermissions.fromString("rwxr-xr-x"));

    Path toCreate = rootsOnly.resolve("data");
    assertThat(serverFails("create", toCreate, true)).contains("vmesh: data directory " + toCreate
        + ": permission denied creating it (user nobody may not write " + rootsOnly + "); create it as root "
        + "(install -d -m 700 -o nobody " + toCreate + ") or choose another --data-dir");

    Path notWritable = Files.createDirectories(rootsOnly.resolve("existing"));
    Files.setPosixFilePermissions(notWritable, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(serverFails("write", notWritable, true)).contains("vmesh: data directory " + notWritable
        + ": permission denied (user nobody cannot write it); chown -R nobody " + notWritable
        + ", or choose another --data-dir");

    Path file = Files.writeString(tmp.resolve("file"), "not a directory");
    assertThat(serverFails("file", file, false)).contains("vmesh: data directory " + file
        + ": not a directory (it is a file); remove the file or choose another --data-dir");
  }
}
