package dev.vmesh.store;

import dev.vmesh.api.Problem;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.codec.Position;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.validation.Validator;
import java.io.IOException;
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
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code FileConfigStore} serves the objects in the YAML and JSON files under a directory (recursively;
 * hidden files and directories are skipped), read-only. It rescans on a timer (default every 500 ms)
 * and turns edits, new files and deletions into watch events. A file with any error keeps serving the
 * objects of its last good version, and the error is reported by {@link #problems()} and the log (once,
 * when it appears or changes). Nothing one file does (see {@link ConfigFiles} for the limits) stops the
 * watcher: even an unexpected {@link Throwable} becomes a problem of that file. A file that turns empty
 * loses its objects one scan later, in case it was caught between truncation and write.
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
  /** Parts of the directory the last scan could not walk (a link loop, no permission). */
  private List<Problem> walkProblems = List.of();
  private final BiFunction<String, String, ResourceDecoder.Result> decoder;

  private record Fingerprint(long size, long modifiedNanos, Object fileKey) {}

  /** One file's last scan: its fingerprint, last good objects, and current problems. */
  /** Never equal to a file's: the next scan reads the file again. */
  private static final Fingerprint READ_AGAIN = new Fingerprint(-2, 0, null);

  /**
   * One file's last scan. {@code emptied}: the file read as empty while it had objects, which were kept
   * for one more scan (an editor that truncates before it writes must not look like a deletion).
   */
  private record FileState(Fingerprint fingerprint, List<Resource> objects, List<Problem> problems, boolean emptied) {
    FileState(Fingerprint fingerprint, List<Resource> objects, List<Problem> problems) {
      this(fingerprint, objects, problems, false);
    }

    boolean hasErrors() {
      return problems.stream().anyMatch(Problem::isError);
    }
  }

  private FileConfigStore(Path root, Clock clock, Duration pollInterval,
      BiFunction<String, String, ResourceDecoder.Result> decoder) {
    this.root = root;
    this.decoder = decoder;
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
    return open(root, clock, pollInterval, ResourceDecoder::decode);
  }

  /** As {@link #open(Path, Clock, Duration)}, with the decoder given (tests make it fail). */
  static FileConfigStore open(Path root, Clock clock, Duration pollInterval,
      BiFunction<String, String, ResourceDecoder.Result> decoder) {
    if (!Files.isDirectory(root)) {
      throw new StoreException.Unavailable("config directory " + root + (Files.exists(root)
          ? " is not a directory; give --config a directory of YAML or JSON files"
          : " does not exist; create it or fix --config"), null);
    }
    if (!Files.isReadable(root) || !Files.isExecutable(root)) {
      throw new StoreException.Unavailable("config directory " + root + ": permission denied; let the user "
          + "running vmesh read it (chmod o+rx, or chown)", null);
    }
    return new FileConfigStore(root.toAbsolutePath().normalize(), clock, pollInterval, decoder);
  }

  public Path root() {
    return root;
  }

  /** Errors and warnings of the files as last scanned, sorted by file. */
  public synchronized List<Problem> problems() {
    List<Problem> out = new ArrayList<>(walkProblems);
    files.values().forEach(f -> out.addAll(f.problems()));
    out.addAll(duplicateProblems);
    return out;
  }

  /** How many files (or unwalkable directories) have errors now: for the config-errors metric. */
  public synchronized int filesWithErrors() {
    Set<String> sources = new HashSet<>();
    problems().stream().filter(Problem::isError).forEach(p -> sources.add(p.source()));
    return sources.size();
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

  /** The timer's scan: nothing thrown may end it, or later edits would never apply. */
  private void rescanQuietly() {
    try {
      rescan();
    } catch (Throwable t) {
      LOG.error("event=config_scan_failed dir={} error={}", root, t.toString(), t);
    }
  }

  /** The files to read; problems of unwalkable parts go to {@link #walkProblems}, logged when they change. */
  private List<Path> listFiles() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    List<Problem> found;
    List<Path> out;
    try {
      ConfigFiles.Listing listing = ConfigFiles.list(root, p -> root.relativize(p).toString());
      found = listing.problems();
      out = listing.files();
    } catch (IOException e) {
      found = List.of(new Problem(Problem.Severity.ERROR, root.toString(), Position.UNKNOWN, "",
          "cannot read the config directory: " + e + "; its files keep their last good objects"));
      out = List.copyOf(files.keySet()); // keep serving what we have
    }
    if (!found.equals(walkProblems)) {
      found.forEach(pr -> LOG.warn("event=config_file_error {}", pr));
      walkProblems = found;
    }
    return out;
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
    try {
      ConfigFiles.Text text = ConfigFiles.read(p, name);
      if (text.problem() != null) {
        return new FileState(fp, lastGood, List.of(text.problem()));
      }
      if (text.text().isEmpty() && !lastGood.isEmpty() && !previous.emptied()) {
        return new FileState(READ_AGAIN, lastGood, previous.problems(), true);
      }
      ResourceDecoder.Result decoded = decoder.apply(name, text.text());
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
    } catch (Throwable t) { // one file must never stop the watcher (StackOverflowError, OutOfMemoryError, a bug)
      LOG.error("event=config_file_read_failed file={} error={}", p, t.toString(), t);
      return new FileState(fp, lastGood, List.of(new Problem(Problem.Severity.ERROR, name, Position.UNKNOWN, "",
          "vmesh failed reading this file (" + t + "); its last good objects are still served. This is a bug in "
              + "vmesh: please report it with the file")));
    }
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
