package dev.vmesh.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code DataDirectory} prepares a server's data directory, which holds secrets (the embedded store,
 * the CA key, bootstrap-token keys, the admin token): it is created with mode 0700, and an existing one
 * that others may read or enter is made private, with a warning. Each failure is an
 * {@link IOException} whose message names the path, says what is wrong ("permission denied", "not a
 * directory") and how to fix it.
 */
public final class DataDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(DataDirectory.class);
  static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OTHERS = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private DataDirectory() {}

  /** Creates {@code dir} (mode 0700) or checks it and makes it private; see the class comment. */
  public static void prepare(Path dir) throws IOException {
    String user = System.getProperty("user.name");
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IOException("data directory " + dir + ": not a directory (it is a file); remove the file or choose "
          + "another --data-dir");
    }
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS) || !Files.exists(dir)) {
      create(dir, user);
      return;
    }
    if (!Files.isWritable(dir) || !Files.isExecutable(dir)) {
      throw new IOException("data directory " + dir + ": permission denied (user " + user + " cannot write it); "
          + "chown -R " + user + " " + dir + ", or choose another --data-dir");
    }
    Set<PosixFilePermission> mode;
    try {
      mode = Files.getPosixFilePermissions(dir);
    } catch (UnsupportedOperationException e) {
      return; // not a POSIX file system: nothing to check
    }
    if (mode.stream().noneMatch(OTHERS::contains)) {
      return;
    }
    try {
      Files.setPosixFilePermissions(dir, PRIVATE_DIR);
    } catch (IOException e) {
      throw new IOException("data directory " + dir + " has mode " + PosixFilePermissions.toString(mode)
          + ", so other users may read the secrets in it, and it cannot be made private (" + e.getMessage()
          + "); as its owner: chmod 700 " + dir, e);
    }
    LOG.warn("event=data_dir_made_private dir={} was={} now=rwx------ reason=\"it holds the store, the CA key and "
        + "the admin token\"", dir, PosixFilePermissions.toString(mode));
  }

  private static void create(Path dir, String user) throws IOException {
    Path parent = dir.toAbsolutePath().getParent();
    try {
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
    } catch (FileAlreadyExistsException e) {
      throw new IOException("data directory " + dir + ": " + e.getFile() + " is not a directory; remove it or choose "
          + "another --data-dir", e);
    } catch (AccessDeniedException e) {
      Path denied = e.getFile() == null ? parent : Path.of(e.getFile()).getParent();
      throw new IOException("data directory " + dir + ": permission denied creating it (user " + user + " may not "
          + "write " + denied + "); create it as root (install -d -m 700 -o " + user + " " + dir + ") or choose "
          + "another --data-dir", e);
    } catch (FileSystemException e) {
      String reason = e.getReason() != null ? e.getReason() : e.getMessage();
      throw new IOException("data directory " + dir + ": cannot create it: " + e.getFile() + ": " + reason
          + ("Not a directory".equals(reason) ? " (a file stands where a directory is needed)" : "")
          + "; choose another --data-dir", e);
    }
  }

  /** Makes {@code file} readable and writable by its owner only, if it exists. */
  static void makePrivate(Path file) throws IOException {
    try {
      if (Files.exists(file) && Files.getPosixFilePermissions(file).stream().anyMatch(OTHERS::contains)) {
        Files.setPosixFilePermissions(file, PRIVATE_FILE);
      }
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
  }
}
