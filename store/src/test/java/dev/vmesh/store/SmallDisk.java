package dev.vmesh.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code SmallDisk} is a tmpfs of a few MiB mounted on a directory for a test (the tests run as root),
 * to fill to the brim and empty again. A test using it is skipped, saying why, where mounting is not
 * permitted. Published in the test-jar for end-to-end tests.
 */
public final class SmallDisk implements AutoCloseable {
  private final Path dir;

  private SmallDisk(Path dir) {
    this.dir = dir;
  }

  /** Mounts a tmpfs of {@code mib} MiB on {@code dir} (created if needed), or skips the test. */
  public static SmallDisk mount(Path dir, int mib) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    String why = run(List.of("mount", "-t", "tmpfs", "-o", "size=" + mib + "m,mode=0755", "tmpfs", dir.toString()));
    assumeTrue(why == null, () -> "mounting a tmpfs is not permitted here (" + why + "); the disk-full tests need it");
    return new SmallDisk(dir);
  }

  public Path dir() {
    return dir;
  }

  /** Writes {@code filler} until the disk is full; returns the bytes written. */
  public long fill() throws IOException {
    long written = 0;
    byte[] chunk = new byte[4096];
    try (OutputStream out = Files.newOutputStream(dir.resolve("filler"))) {
      while (true) {
        out.write(chunk);
        written += chunk.length;
        out.flush();
      }
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("No space left")) {
        throw e;
      }
    }
    return written;
  }

  /** Deletes the filler: the disk has room again. */
  public void free() throws IOException {
    Files.deleteIfExists(dir.resolve("filler"));
  }

  @Override
  public void close() throws IOException, InterruptedException {
    String why = run(List.of("umount", "-l", dir.toString()));
    if (why != null) {
      throw new IOException("umount " + dir + " failed: " + why);
    }
  }

  /** Runs {@code cmd}; null when it succeeded, else what it printed. */
  private static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      return e.getMessage();
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return String.join(" ", cmd) + " did not finish within 30 s";
    }
    String out = new String(p.getInputStream().readAllBytes()).strip();
    return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
  }
}
