package dev.vmesh.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code DirectoryBlobs} keeps each blob as a file under a directory (mode 0600), for the embedded
 * store: a blob is written to a temporary file, forced to disk, then linked to its name, which fails
 * if the name exists, so a reader never sees half a value and two writers never both win.
 */
public final class DirectoryBlobs implements Blobs {
  private final Path root;

  public DirectoryBlobs(Path root) {
    this.root = root.toAbsolutePath();
  }

  @Override
  public Optional<byte[]> get(String name) throws IOException {
    Path file = root.resolve(Blobs.checkName(name));
    if (Files.isDirectory(file)) {
      return Optional.empty(); // a directory of names, not a value
    }
    try {
      return Optional.of(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean putIfAbsent(String name, byte[] value) throws IOException {
    Path file = root.resolve(Blobs.checkName(name));
    Path dir = Files.createDirectories(file.getParent());
    if (Files.exists(file)) {
      return false;
    }
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(value);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      try {
        Files.createLink(file, tmp);
      } catch (FileAlreadyExistsException e) {
        return false;
      }
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true); // the new name survives a crash
      }
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public List<String> list(String directory) throws IOException {
    Path dir = directory.isEmpty() ? root : root.resolve(Blobs.checkName(directory));
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().forEach(out::add);
    }
    return out;
  }

  @Override
  public String toString() {
    return root.toString();
  }
}
