package dev.vmesh.dist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ScriptSandbox} runs a maintainer script with PATH holding only stub commands that record
 * their arguments, so the script's calls (adduser, useradd, systemctl, ...) can be checked without
 * touching the host. A command the sandbox does not stub is "not found", which fails the script.
 */
final class ScriptSandbox {
  /** What a sandboxed script printed and which stubbed commands it ran, one line per call. */
  record Run(int exit, String output, List<String> calls) {}

  private final Path stubs;
  private final Path log;

  /**
   * Stubs {@code commands}; each maps a command name to the shell snippet that decides its exit status
   * (it sees the call's arguments as $1, $2, ...), e.g. {@code "exit 2"}.
   */
  ScriptSandbox(String name, Map<String, String> commands) {
    Path dir = Packages.freshDir(name);
    this.stubs = dir.resolve("bin");
    this.log = dir.resolve("calls.log");
    try {
      Files.createDirectories(stubs);
      Files.createFile(log);
      for (var command : commands.entrySet()) {
        Path stub = stubs.resolve(command.getKey());
        Files.writeString(stub, "#!/bin/sh\necho \"" + command.getKey() + " $*\" >> '" + log + "'\n"
            + command.getValue() + "\n");
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code script} with /bin/sh and {@code args}, and returns what it did. */
  Run run(String script, String... args) {
    try {
      Files.writeString(log, "");
      Path file = stubs.getParent().resolve("script");
      Files.writeString(file, script);
      List<String> command = new ArrayList<>(List.of("/bin/sh", file.toString()));
      command.addAll(List.of(args));
      Packages.Result r = Packages.run(command, Map.of("PATH", stubs.toString(), "LC_ALL", "C"));
      return new Run(r.exit(), r.both(), Files.readAllLines(log));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
