package dev.vmesh.dns;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.NameTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code NameTableFile} keeps the last name table on disk so that a restarted proxy answers mesh names
 * even while the control plane is unreachable. Writes are atomic: a temporary file in the same
 * directory is written and synced, then renamed over the old one, so a crash leaves either the old or
 * the new table, never a torn one.
 */
final class NameTableFile {
  private final Path path;

  NameTableFile(Path path) {
    this.path = path.toAbsolutePath();
  }

  Path path() {
    return path;
  }

  /** The stored table, or empty when there is none yet. */
  Optional<NameTable> load() throws IOException, NameTableJson.InvalidNameTableException {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    return Optional.of(NameTableJson.parse(path.toString(), text));
  }

  /** Replaces the stored table with {@code table} (only its valid addresses, so it always reads back). */
  void save(NameTable table) throws IOException {
    byte[] bytes = NameTableJson.write(validOnly(table)).getBytes(StandardCharsets.UTF_8);
    Path dir = path.getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    syncDirectory(dir);
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some file systems cannot sync a directory; the rename itself is still atomic.
    }
  }

  /** The table without addresses that are not IP literals, and without entries left empty. */
  static NameTable validOnly(NameTable table) {
    Map<String, NameTable.NameInfo> out = new LinkedHashMap<>();
    table.table().forEach((host, info) -> {
      List<String> ips = info.ips().stream().filter(Addresses::isIp).toList();
      if (!ips.isEmpty() && !host.isEmpty() && !host.equals(".")) {
        out.put(host, ips.size() == info.ips().size() ? info
            : new NameTable.NameInfo(ips, info.registry(), info.shortname(), info.namespace(), info.altHosts()));
      }
    });
    return new NameTable(out);
  }
}
