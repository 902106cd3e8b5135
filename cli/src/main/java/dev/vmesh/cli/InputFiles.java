package dev.vmesh.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code InputFiles} expands {@code -f} arguments: files as given, directories recursively to their
 * YAML and JSON files (hidden ones skipped), {@code -} to standard input.
 */
final class InputFiles {
  private InputFiles() {}

  /** One input: its name for messages, and its text (null with {@code error} set when unreadable). */
  record Input(String name, String text, String error) {}

  static List<Input> read(List<String> args, InputStream stdin) {
    List<Input> out = new ArrayList<>();
    for (String arg : args) {
      if (arg.equals("-")) {
        try {
          out.add(new Input("<stdin>", new String(stdin.readAllBytes(), StandardCharsets.UTF_8), null));
        } catch (IOException e) {
          out.add(new Input("<stdin>", null, "cannot read standard input: " + e.getMessage()));
        }
        continue;
      }
      Path p = Path.of(arg);
      if (Files.isDirectory(p)) {
        for (Path f : configFiles(p)) {
          out.add(readFile(f));
        }
      } else {
        out.add(readFile(p));
      }
    }
    return out;
  }

  private static Input readFile(Path p) {
    try {
      return new Input(p.toString(), Files.readString(p, StandardCharsets.UTF_8), null);
    } catch (java.nio.file.NoSuchFileException e) {
      return new Input(p.toString(), null, "no such file or directory");
    } catch (java.nio.charset.MalformedInputException e) {
      return new Input(p.toString(), null, "not UTF-8 text");
    } catch (IOException e) {
      return new Input(p.toString(), null, "cannot read: " + e.getMessage());
    }
  }

  private static List<Path> configFiles(Path dir) {
    try (Stream<Path> walk = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
      return walk.filter(f -> Files.isRegularFile(f) && !hidden(dir, f)).filter(f -> {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
      }).sorted().toList();
    } catch (IOException | UncheckedIOException e) {
      return List.of();
    }
  }

  private static boolean hidden(Path root, Path f) {
    for (Path part : root.relativize(f)) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }
}
