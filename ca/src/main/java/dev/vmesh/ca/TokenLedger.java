package dev.vmesh.ca;

import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.store.Blobs;
import dev.vmesh.store.DirectoryBlobs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code TokenLedger} remembers bootstrap tokens as {@link Blobs} (a directory on the embedded store,
 * shared by all replicas on etcd): one {@code <id>.json} per issued token, an {@code <id>.revoked}
 * marker when revoked, and an {@code <id>.used} marker when a single-use token was spent. Markers are
 * created only if absent, so a single-use token is spent once even when replicas race, and every
 * write is durable before it counts. Records are kept for good: a token's id is how the certificates
 * descending from it (which renew themselves for as long as the VM runs) are revoked.
 */
public final class TokenLedger {
  private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");

  private final Blobs blobs;
  private final String prefix;

  /** The ledger in a directory of its own. */
  public TokenLedger(Path dir) throws IOException {
    this(new DirectoryBlobs(Files.createDirectories(dir)), "");
  }

  /** The ledger under {@code directory} of {@code blobs} (empty for the top). */
  public TokenLedger(Blobs blobs, String directory) {
    this.blobs = blobs;
    this.prefix = directory.isEmpty() ? "" : Blobs.checkName(directory) + "/";
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
      if (!blobs.putIfAbsent(prefix + id + ".json", (TreeWriter.json(m, false) + "\n").getBytes(StandardCharsets.UTF_8))) {
        throw new IllegalStateException("token id " + id + " was issued twice");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Revokes {@code id}; false when no such token was ever issued here. */
  public boolean revoke(String id) throws IOException {
    if (!isId(id) || blobs.get(prefix + id + ".json").isEmpty()) {
      return false;
    }
    mark(id + ".revoked");
    return true;
  }

  public boolean isRevoked(String id) {
    try {
      return isId(id) && blobs.get(prefix + id + ".revoked").isPresent();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the token ledger: " + e.getMessage(), e);
    }
  }

  /** Whether the single-use token {@code id} was spent. */
  public boolean isSpent(String id) {
    try {
      return isId(id) && blobs.get(prefix + id + ".used").isPresent();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the token ledger: " + e.getMessage(), e);
    }
  }

  /** Spends a single-use token; false when it was already spent. */
  boolean spend(String id) throws IOException {
    return isId(id) && mark(id + ".used");
  }

  private boolean mark(String name) throws IOException {
    return blobs.putIfAbsent(prefix + name, new byte[0]);
  }

  /** Every token issued here, newest expiry last. */
  public List<Issued> list() throws IOException {
    List<Issued> out = new ArrayList<>();
    String directory = prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
    var values = blobs.getAll(directory); // records and markers, in one read where the store can
    Set<String> names = values.keySet();
    for (var entry : values.entrySet()) {
      String name = entry.getKey();
      if (!name.endsWith(".json")) {
        continue;
      }
      var parsed = SourceParser.parseJson(name, new String(entry.getValue(), StandardCharsets.UTF_8));
      if (parsed.hasErrors() || !(parsed.documents().get(0) instanceof SourceNode.MapNode m)) {
        continue;
      }
      String id = text(m, "id");
      out.add(new Issued(id, text(m, "namespace"), text(m, "serviceAccount"), Instant.parse(text(m, "expires")),
          "true".equals(text(m, "singleUse")), names.contains(id + ".revoked"), names.contains(id + ".used")));
    }
    out.sort(Comparator.comparing(Issued::expires));
    return out;
  }

  private static String text(SourceNode.MapNode m, String key) {
    var f = m.fields().get(key);
    return f != null && f.value() instanceof SourceNode.Scalar s ? s.text() : "";
  }
}
