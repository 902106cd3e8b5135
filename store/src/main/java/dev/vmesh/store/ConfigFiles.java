package dev.vmesh.store;

import dev.vmesh.api.Problem;
import dev.vmesh.api.codec.InputLimits;
import dev.vmesh.api.codec.Position;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * {@code ConfigFiles} finds and reads configuration files the same way for the server's config
 * directory and for {@code vmesh validate}: YAML and JSON files found recursively (symbolic links
 * followed, hidden files and directories skipped), each read as UTF-8 up to
 * {@link InputLimits#MAX_FILE_BYTES}. A part of the tree that cannot be walked (a symbolic link loop, a
 * directory without permission) is a problem of that path; the rest is still listed.
 */
public final class ConfigFiles {
  private ConfigFiles() {}

  /** The config files under a directory, sorted, and the problems of the parts that could not be walked. */
  public record Listing(List<Path> files, List<Problem> problems) {}

  /** A file's text, or (text null) the problem that kept it from being read. */
  public record Text(String text, Problem problem) {}

  /** True for the names vmesh reads as config: {@code *.yaml}, {@code *.yml}, {@code *.json}. */
  public static boolean isConfigFile(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
  }

  /**
   * Walks {@code root}; {@code name} turns a path into the name problems carry (e.g. relative to the
   * root). Throws {@link IOException} only when {@code root} itself cannot be read.
   */
  public static Listing list(Path root, Function<Path, String> name) throws IOException {
    List<Path> files = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            return !dir.equals(root) && hidden(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (attrs.isRegularFile() && !hidden(file) && isConfigFile(file)) {
              files.add(file);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (file.equals(root)) {
              throw e;
            }
            if (hidden(file) || e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE; // hidden, or gone since it was listed (or a dangling link)
            }
            problems.add(new Problem(Problem.Severity.ERROR, name.apply(file), Position.UNKNOWN, "", walkError(e)));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) {
            if (e != null) {
              problems.add(new Problem(Problem.Severity.ERROR, name.apply(dir), Position.UNKNOWN, "", walkError(e)));
            }
            return FileVisitResult.CONTINUE;
          }
        });
    files.sort(null);
    problems.sort(Comparator.comparing(Problem::source));
    return new Listing(List.copyOf(files), List.copyOf(problems));
  }

  private static boolean hidden(Path p) {
    return p.getFileName() != null && p.getFileName().toString().startsWith(".");
  }

  private static String walkError(IOException e) {
    if (e instanceof FileSystemLoopException) {
      return "symbolic link loop: this directory contains itself; it is skipped (remove the link)";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied: it is skipped (let the server's user read it, or move it out of the directory)";
    }
    return "cannot be read, skipped: " + e;
  }

  /**
   * Reads {@code file} as UTF-8 text; {@code name} is what a problem names it. Files over
   * {@link InputLimits#MAX_FILE_BYTES} are refused before anything is read.
   */
  public static Text read(Path file, String name) {
    try {
      long size = Files.size(file);
      if (size > InputLimits.MAX_FILE_BYTES) {
        return problem(name, InputLimits.fileTooLarge(size));
      }
    } catch (IOException e) {
      // reported by the read below
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes((int) InputLimits.MAX_FILE_BYTES + 1);
      if (bytes.length > InputLimits.MAX_FILE_BYTES) {
        long size = Math.max(bytes.length, Files.size(file));
        return problem(name, InputLimits.fileTooLarge(size));
      }
      return new Text(StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString(), null);
    } catch (CharacterCodingException e) {
      return problem(name, "not UTF-8 text; save the file as UTF-8");
    } catch (NoSuchFileException e) {
      return problem(name, "no such file or directory");
    } catch (AccessDeniedException e) {
      return problem(name, "permission denied; let the user running vmesh read it");
    } catch (IOException e) {
      return problem(name, "cannot read: " + e);
    }
  }

  private static Text problem(String name, String message) {
    return new Text(null, new Problem(Problem.Severity.ERROR, name, Position.UNKNOWN, "", message));
  }
}
