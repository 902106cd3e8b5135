package dev.vmesh.ca;

import dev.vmesh.api.codec.TreeWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code TokenLedger} remembers bootstrap tokens in a directory: one {@code <id>.json} per issued token,
 * an {@code <id>.revoked} marker when revoked, and an {@code <id>.used} marker when a single-use token was
 * spent. Markers are created with create-new semantics, so spending a token is atomic even with several
 * callers at once, and every write is forced to disk.
 */
public final class TokenLedger {
  private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");

  private final Path dir;

  public TokenLedger(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  /** What was issued (for listing). */
  public record Issued(String id, String namespace, String serviceAccount, Instant expires, boolean singleUse,
      boolean revoked, boolean used) {}

  static boolean isId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  void recordIssued(String id, String namespace, String serviceAccount, Instant expires, boolean singleUse) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("namespace", namespace);
    m.put("serviceAccount", serviceAccount);
    m.put("expires", expires.toString());
    m.put("singleUse", singleUse);
    try {
      Pem.writeAtomically(dir.resolve(id + ".json"), TreeWriter.json(m, false) + "\n", "rw-------");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Revokes {@code id}; false when no such token was ever issued here. */
  public boolean revoke(String id) throws IOException {
    if (!isId(id) || !Files.exists(dir.resolve(id + ".json"))) {
      return false;
    }
    mark(id + ".revoked");
    return true;
  }

  public boolean isRevoked(String id) {
    return isId(id) && Files.exists(dir.resolve(id + ".revoked"));
  }

  /** Spends a single-use token; false when it was already spent. */
  boolean spend(String id) throws IOException {
    return isId(id) && mark(id + ".used");
  }

  private boolean mark(String file) throws IOException {
    try (FileChannel ch = FileChannel.open(dir.resolve(file), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.force(true);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    }
  }

  /** Every token issued here, newest expiry last. */
  public List<Issued> list() throws IOException {
    List<Issued> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
        var parsed = dev.vmesh.api.codec.SourceParser.parseJson(f.toString(), Files.readString(f));
        if (parsed.hasErrors() || !(parsed.documents().get(0) instanceof dev.vmesh.api.codec.SourceNode.MapNode m)) {
          continue;
        }
        String id = text(m, "id");
        out.add(new Issued(id, text(m, "namespace"), text(m, "serviceAccount"), Instant.parse(text(m, "expires")),
            "true".equals(text(m, "singleUse")), isRevoked(id), Files.exists(dir.resolve(id + ".used"))));
      }
    }
    out.sort(java.util.Comparator.comparing(Issued::expires));
    return out;
  }

  private static String text(dev.vmesh.api.codec.SourceNode.MapNode m, String key) {
    var f = m.fields().get(key);
    return f != null && f.value() instanceof dev.vmesh.api.codec.SourceNode.Scalar s ? s.text() : "";
  }
}
