package dev.vmesh.cli;

import dev.vmesh.api.Problem;
import dev.vmesh.api.codec.Position;
import dev.vmesh.store.ConfigFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code InputFiles} expands {@code -f} arguments: files as given, directories recursively to their
 * YAML and JSON files (as the server reads its config directory, see {@link ConfigFiles}), {@code -} to
 * standard input.
 */
final class InputFiles {
  private InputFiles() {}

  /** One input: its name for messages, and its text (null with {@code error} set when unreadable). */
  record Input(String name, String text, String error) {}

  /**
   * The inputs, and what was found about the arguments themselves: parts of a directory that could not
   * be walked (errors) and directories without any config file (warnings).
   */
  record Expanded(List<Input> inputs, List<Problem> problems) {}

  /** The inputs; a part of a directory that could not be walked is an unreadable input. */
  static List<Input> read(List<String> args, InputStream stdin) {
    Expanded e = expand(args, stdin);
    List<Input> out = new ArrayList<>(e.inputs());
    e.problems().stream().filter(Problem::isError).forEach(p -> out.add(new Input(p.source(), null, p.message())));
    return out;
  }

  static Expanded expand(List<String> args, InputStream stdin) {
    List<Input> out = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
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
      if (!Files.isDirectory(p)) {
        out.add(readFile(p));
        continue;
      }
      try {
        ConfigFiles.Listing listing = ConfigFiles.list(p, Path::toString);
        listing.files().forEach(f -> out.add(readFile(f)));
        problems.addAll(listing.problems());
        if (listing.files().isEmpty() && listing.problems().isEmpty()) {
          problems.add(new Problem(Problem.Severity.WARNING, arg, Position.UNKNOWN, "",
              "no .yaml, .yml or .json files in this directory: nothing was checked"));
        }
      } catch (IOException e) {
        out.add(new Input(arg, null, "cannot read the directory: " + e.getMessage()));
      }
    }
    return new Expanded(out, problems);
  }

  private static Input readFile(Path p) {
    ConfigFiles.Text t = ConfigFiles.read(p, p.toString());
    return t.problem() == null ? new Input(p.toString(), t.text(), null)
        : new Input(p.toString(), null, t.problem().message());
  }
}
