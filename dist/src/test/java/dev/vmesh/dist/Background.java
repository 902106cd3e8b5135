package dev.vmesh.dist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code Background} is a long-running command (a server, an agent) with its output in a log file;
 * closing stops it and whatever it started (SIGTERM, then SIGKILL after 20 seconds).
 */
final class Background implements AutoCloseable {
  private final Process process;
  private final Path log;

  private Background(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code command}; with a non-null {@code env} the child gets exactly that environment. */
  static Background start(Path log, List<String> command, Map<String, String> env) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    if (env != null) {
      pb.environment().clear();
      pb.environment().putAll(env);
    }
    try {
      return new Background(pb.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(String.join(" ", command), e);
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** What it has printed so far. */
  String output() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  @Override
  public void close() {
    List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
    all.add(process.toHandle());
    all.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        all.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      all.forEach(ProcessHandle::destroyForcibly);
    }
  }
}
