package dev.vmesh.store;

import dev.vmesh.api.Problem;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.codec.Position;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.validation.Validator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code FileConfigStore} serves the objects in the YAML and JSON files under a directory (recursively;
 * hidden files and directories are skipped), read-only. It rescans on a timer (default every 500 ms)
 * and turns edits, new files and deletions into watch events. A file with any error keeps serving the
 * objects of its last good version, and the error is reported by {@link #problems()} and the log.
 */
public final class FileConfigStore implements ConfigStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileConfigStore.class);
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(500);

  private final Path root;
  private final LocalConfigStore state;
  private final Validator validator = new Validator();
  private final ScheduledExecutorService poller;
  /** Per file, what the last scan saw; guarded by {@code this}. */
  private final Map<Path, FileState> files = new LinkedHashMap<>();
  /** Which file each served object comes from; guarded by {@code this}. */
  private Map<ResourceKey, Path> sources = Map.of();
  private List<Problem> duplicateProblems = List.of();

  private record Fingerprint(long size, long modifiedNanos, Object fileKey) {}

  /** One file's last scan: its fingerprint, last good objects, and current problems. */
  private record FileState(Fingerprint fingerprint, List<Resource> objects, List<Problem> problems) {
    boolean hasErrors() {
      return problems.stream().anyMatch(Problem::isError);
    }
  }

  private FileConfigStore(Path root, Clock clock, Duration pollInterval) {
    this.root = root;
    this.state = new LocalConfigStore(clock, Journal.NONE, LocalConfigStore.Options.DEFAULTS.withValidate(false));
    rescan();
    if (pollInterval.isZero()) {
      poller = null;
    } else {
      poller = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("config-files")
          .unstarted(r));
      poller.scheduleWithFixedDelay(this::rescanQuietly, pollInterval.toMillis(), pollInterval.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Reads {@code root} and, unless {@code pollInterval} is zero, keeps watching it. Throws
   * {@link StoreException.Unavailable} if {@code root} is not a readable directory.
   */
  public static FileConfigStore open(Path root, Clock clock, Duration pollInterval) {
    if (!Files.isDirectory(root)) {
      throw new StoreException.Unavailable("config directory " + root + " does not exist or is not a directory",
          null);
    }
    return new FileConfigStore(root.toAbsolutePath().normalize(), clock, pollInterval);
  }

  public Path root() {
    return root;
  }

  /** Errors and warnings of the files as last scanned, sorted by file. */
  public synchronized List<Problem> problems() {
    List<Problem> out = new ArrayList<>();
    files.values().forEach(f -> out.addAll(f.problems()));
    out.addAll(duplicateProblems);
    return out;
  }

  /** The file an object comes from. */
  public synchronized Optional<Path> sourceOf(ResourceKey key) {
    return Optional.ofNullable(sources.get(key));
  }

  /** True when {@code file} exists and its current version has errors (its last good objects are served). */
  public synchronized boolean hasErrors(Path file) {
    FileState s = files.get(file);
    return s != null && s.hasErrors();
  }

  /** Scans the directory now and applies what changed; returns the number of objects changed. */
  public synchronized int rescan() {
    List<Path> found = listFiles();
    Map<Path, FileState> next = new LinkedHashMap<>();
    for (Path p : found) {
      FileState previous = files.get(p);
      Fingerprint fp = fingerprint(p);
      if (fp == null) {
        continue; // vanished between listing and reading
      }
      if (previous != null && previous.fingerprint().equals(fp)) {
        next.put(p, previous);
        continue;
      }
      FileState read = read(p, fp, previous);
      if (!read.problems().equals(previous == null ? List.of() : previous.problems())) {
        read.problems().forEach(pr -> {
          if (pr.isError()) {
            LOG.warn("event=config_file_error {}", pr);
          } else {
            LOG.info("event=config_file_notice {}", pr);
          }
        });
      }
      next.put(p, read);
    }
    files.clear();
    files.putAll(next);
    return apply();
  }

  private void rescanQuietly() {
    try {
      rescan();
    } catch (RuntimeException e) {
      LOG.error("event=config_scan_failed dir={} error={}", root, e.toString(), e);
    }
  }

  private List<Path> listFiles() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(root, FileVisitOption.FOLLOW_LINKS)) {
      return walk.filter(p -> !isHidden(p) && isConfigFile(p) && Files.isRegularFile(p)).sorted().toList();
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("event=config_scan_failed dir={} error={}", root, e.toString());
      return List.copyOf(files.keySet()); // keep serving what we have
    }
  }

  private boolean isHidden(Path p) {
    for (Path part : root.relativize(p)) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isConfigFile(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
  }

  private static Fingerprint fingerprint(Path p) {
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      return new Fingerprint(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.fileKey());
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return new Fingerprint(-1, 0, e.toString());
    }
  }

  private FileState read(Path p, Fingerprint fp, FileState previous) {
    String name = root.relativize(p).toString();
    List<Resource> lastGood = previous == null ? List.of() : previous.objects();
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(Files.readAllBytes(p))).toString();
    } catch (CharacterCodingException e) {
      return new FileState(fp, lastGood, List.of(new Problem(Problem.Severity.ERROR, name, Position.UNKNOWN, "",
          "not UTF-8 text; save the file as UTF-8")));
    } catch (IOException e) {
      return new FileState(fp, lastGood, List.of(new Problem(Problem.Severity.ERROR, name, Position.UNKNOWN, "",
          "cannot read: " + e)));
    }
    ResourceDecoder.Result decoded = ResourceDecoder.decode(name, text);
    List<Problem> problems = new ArrayList<>(decoded.problems());
    for (ResourceDecoder.Decoded d : decoded.decoded()) {
      problems.addAll(validator.validate(d));
    }
    Set<ResourceKey> inFile = new HashSet<>();
    for (ResourceDecoder.Decoded d : decoded.decoded()) {
      if (!inFile.add(d.resource().key())) {
        problems.add(new Problem(Problem.Severity.ERROR, name, d.sourceMap().positionOf(""), "",
            d.resource().key() + " appears twice in this file"));
      }
    }
    boolean failed = problems.stream().anyMatch(Problem::isError);
    return new FileState(fp, failed ? lastGood : decoded.resources(), List.copyOf(problems));
  }

  /** Makes the served objects equal to the files' (last good) objects; returns how many changed. */
  private int apply() {
    Map<ResourceKey, Resource> desired = new LinkedHashMap<>(); // file and document order: creation order
    Map<ResourceKey, Path> desiredSources = new HashMap<>();
    List<Problem> duplicates = new ArrayList<>();
    for (Map.Entry<Path, FileState> f : files.entrySet()) {
      for (Resource r : f.getValue().objects()) {
        Path first = desiredSources.putIfAbsent(r.key(), f.getKey());
        if (first != null) {
          duplicates.add(new Problem(Problem.Severity.ERROR, root.relativize(f.getKey()).toString(), Position.UNKNOWN,
              "", r.key() + " is also defined in " + root.relativize(first) + "; this copy is ignored"));
          continue;
        }
        desired.put(r.key(), r);
      }
    }
    if (!duplicates.equals(duplicateProblems)) {
      duplicates.forEach(pr -> LOG.warn("event=config_file_error {}", pr));
    }
    duplicateProblems = List.copyOf(duplicates);
    int changed = 0;
    for (Resource current : state.list(ListOptions.all()).items()) {
      if (!desired.containsKey(current.key())) {
        state.delete(current.key(), Preconditions.NONE);
        changed++;
      }
    }
    for (Resource r : desired.values()) {
      Resource input = r.withMetadata(r.metadata().withResourceVersion(""));
      Optional<Resource> current = state.get(r.key());
      if (current.isEmpty()) {
        state.create(input);
        changed++;
      } else if (!Objects.equals(state.update(input).resourceVersion(), current.get().resourceVersion())) {
        changed++;
      }
    }
    sources = Map.copyOf(desiredSources);
    return changed;
  }

  @Override
  public Optional<Resource> get(ResourceKey key) {
    return state.get(key);
  }

  @Override
  public ListResult list(ListOptions options) {
    return state.list(options);
  }

  @Override
  public Watch watch(WatchOptions options, WatchListener listener) {
    return state.watch(options, listener);
  }

  @Override
  public Resource create(Resource resource) {
    throw readOnly();
  }

  @Override
  public Resource update(Resource resource) {
    throw readOnly();
  }

  @Override
  public Resource updateStatus(Resource resource) {
    throw readOnly();
  }

  @Override
  public Resource delete(ResourceKey key, Preconditions preconditions) {
    throw readOnly();
  }

  private StoreException readOnly() {
    return new StoreException.ReadOnly("objects from files in " + root + " are read-only; edit the files");
  }

  @Override
  public boolean isReadOnly() {
    return true;
  }

  @Override
  public String describe() {
    return "files:" + root;
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
    state.close();
  }
}
