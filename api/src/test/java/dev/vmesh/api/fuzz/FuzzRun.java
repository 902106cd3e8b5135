package dev.vmesh.api.fuzz;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * {@code FuzzRun} is one fuzz target's run: it hands out inputs within a {@link FuzzBudget}, each with its
 * own seeded generator (so input N of seed S is the same input on every machine), counts what the target
 * did with them, and ends with one summary line and the verdict:
 *
 * <pre>
 * fuzz target=codec size=small seed=20261201 tried=6000 seconds=4.2 crashes=0 hangs=0 wrong=0
 *     accepted_forgeries=0 heap_growth=+0.4MiB heap_bound=32MiB outcomes={error=4100, valid=1900}
 * </pre>
 *
 * The counts a run fails on: <b>crashes</b> (an exception escaped, a 5xx, a component that stopped
 * serving), <b>hangs</b> (no answer within the per-input timeout), <b>wrong</b> answers (malformed or
 * inconsistent, such as a round trip that changes an object) and <b>accepted forgeries</b> (a hostile
 * input taken as valid: a certificate or stream for an identity not proven, an admin action without
 * the token, input over a limit read as if within it). Heap growth is the used heap after a forced GC
 * at the end minus the same at {@link #baseline()}, and must stay under the bound the target states.
 * The line is printed and appended to {@code target/fuzz-results.txt} of the module.
 * {@code -Dvmesh.fuzz.input=N} tries input N alone, to replay a failure the summary names.
 */
public final class FuzzRun implements AutoCloseable {
  public static final String INPUT_PROPERTY = "vmesh.fuzz.input";
  private static final int EXAMPLES = 5;
  private static final int SHOWN_CHARS = 300;

  private final String target;
  private final FuzzBudget budget;
  private final long startNanos = System.nanoTime();
  private final int only;
  private final Map<String, Integer> outcomes = new TreeMap<>();
  private final Map<String, List<String>> failures = new TreeMap<>();
  private final Map<String, Integer> failureCounts = new TreeMap<>();
  private final Map<String, String> figures = new LinkedHashMap<>();
  private ExecutorService worker;
  private int index = -1;
  private int tried;
  private Random random;
  private long baselineHeap = -1;
  private boolean warmedUp;

  private FuzzRun(String target, FuzzBudget budget) {
    this.target = target;
    this.budget = budget;
    this.only = Integer.parseInt(System.getProperty(INPUT_PROPERTY, "-1").trim());
    this.worker = newWorker();
  }

  /** Starts a run of {@code target} (a short name for the summary: codec, admin_api, xds_tls, ...). */
  public static FuzzRun start(String target, FuzzBudget budget) {
    return new FuzzRun(target, budget);
  }

  public FuzzBudget budget() {
    return budget;
  }

  /** Moves to the next input; false once the budget (inputs or time) is spent. */
  public boolean next() {
    if (only >= 0) {
      if (index >= only) {
        return false;
      }
      index = only;
    } else {
      if (index + 1 >= budget.inputs() || System.nanoTime() - startNanos > budget.time().toNanos()) {
        return false;
      }
      index++;
    }
    tried++;
    random = new Random(mix(budget.seed(), index));
    return true;
  }

  /** The number of the current input (0 first). */
  public int index() {
    return index;
  }

  /** The current input's generator: the same numbers for the same seed and input number. */
  public Random random() {
    return random;
  }

  /** How many inputs were tried so far. */
  public int tried() {
    return tried;
  }

  /** Counts an outcome by name (error, refused, served, ...) for the summary. */
  public void outcome(String name) {
    outcomes.merge(name, 1, Integer::sum);
  }

  /**
   * Adds a figure of the target's own to the summary line, before the outcomes ({@code fd_growth=+2}
   * and the like); a later figure of the same name replaces the earlier one.
   */
  public void figure(String name, String value) {
    figures.put(name, value);
  }

  /** How many inputs had outcome {@code name}. */
  public int outcomeCount(String name) {
    return outcomes.getOrDefault(name, 0);
  }

  /**
   * Runs {@code work} on the run's worker thread and waits at most {@code timeout}: what it returns, or
   * empty after counting a crash (it threw) or a hang (it took longer; the worker is replaced).
   */
  public <T> Optional<T> within(Duration timeout, String input, Callable<T> work) {
    Future<T> f = worker.submit(work);
    try {
      return Optional.ofNullable(f.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      f.cancel(true);
      worker.shutdownNow();
      worker = newWorker();
      hang(input, "no result within " + timeout.toMillis() + " ms");
      return Optional.empty();
    } catch (ExecutionException e) {
      crash(input, e.getCause());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** What can go wrong with an input, by the name the summary counts it under. */
  public enum Failure {
    CRASH("crashes"), HANG("hangs"), WRONG("wrong"), FORGERY("accepted_forgeries");

    final String counted;

    Failure(String counted) {
      this.counted = counted;
    }
  }

  public void crash(String input, Throwable t) {
    report(Failure.CRASH, index, input, trace(t));
  }

  public void crash(String input, String what) {
    report(Failure.CRASH, index, input, what);
  }

  public void hang(String input, String what) {
    report(Failure.HANG, index, input, what);
  }

  public void wrong(String input, String what) {
    report(Failure.WRONG, index, input, what);
  }

  public void forgery(String input, String what) {
    report(Failure.FORGERY, index, input, what);
  }

  /**
   * Counts a failure of input number {@code inputIndex}: for targets that judge an input after later
   * ones were started (streams in flight).
   */
  public void report(Failure failure, int inputIndex, String input, String what) {
    failureCounts.merge(failure.counted, 1, Integer::sum);
    List<String> examples = failures.computeIfAbsent(failure.counted, k -> new ArrayList<>());
    if (examples.size() < EXAMPLES) {
      examples.add("input #" + inputIndex + " (" + INPUT_PROPERTY + "=" + inputIndex + " " + FuzzBudget.SEED_PROPERTY
          + "=" + budget.seed() + "): " + what + "\n      input: " + shown(input));
    }
  }

  /** The first lines of a stack trace, on one line. */
  public static String trace(Throwable t) {
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    String[] lines = trace.toString().split("\n");
    return String.join(" | ", Arrays.copyOf(lines, Math.min(lines.length, 6)));
  }

  public int count(String kind) {
    return failureCounts.getOrDefault(kind, 0);
  }

  /** Takes the heap's size after a forced GC as the baseline: call it after a warm-up. */
  public void baseline() {
    baselineHeap = usedHeapAfterGc();
  }

  /**
   * Takes the baseline once, after {@code inputs} inputs or a fifth of the budget's time, whichever comes
   * first (on a busy machine the time can run out before a warm-up of a fixed count): call it before each
   * input.
   */
  public void baselineAfter(int inputs) {
    if (warmedUp(inputs)) {
      baseline();
    }
  }

  /**
   * True once, at the first call after {@code inputs} inputs or a fifth of the budget's time (never when
   * replaying one input): the moment to take baselines, the heap's with {@link #baseline()} and a target's
   * own.
   */
  public boolean warmedUp(int inputs) {
    if (warmedUp || only >= 0 || tried <= inputs && System.nanoTime() - startNanos <= budget.time().toNanos() / 5) {
      return false;
    }
    warmedUp = true;
    return true;
  }

  /**
   * Prints the summary line, appends it to {@code target/fuzz-results.txt}, and throws an
   * {@link AssertionError} listing examples when anything failed or the heap grew past
   * {@code heapBoundBytes} since {@link #baseline()}.
   */
  public String finish(long heapBoundBytes) {
    worker.shutdownNow();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    long growth = baselineHeap < 0 ? 0 : usedHeapAfterGc() - baselineHeap;
    String line = String.format(Locale.ROOT,
        "fuzz target=%s size=%s seed=%d tried=%d seconds=%.1f crashes=%d hangs=%d wrong=%d accepted_forgeries=%d "
            + "heap_growth=%s heap_bound=%s%s outcomes=%s",
        target, budget.size(), budget.seed(), tried, seconds, count("crashes"), count("hangs"), count("wrong"),
        count("accepted_forgeries"), baselineHeap < 0 ? "unmeasured" : mib(growth, true), mib(heapBoundBytes, false),
        figures.entrySet().stream().map(f -> " " + f.getKey() + "=" + f.getValue())
            .collect(Collectors.joining()), outcomes);
    System.out.println(line);
    record(line);
    StringBuilder problems = new StringBuilder();
    failures.forEach((kind, examples) -> {
      problems.append("\n  ").append(failureCounts.get(kind)).append(' ').append(kind).append(", first ones:");
      examples.forEach(e -> problems.append("\n    ").append(e));
    });
    if (growth > heapBoundBytes) {
      problems.append("\n  heap grew by ").append(mib(growth, true)).append(" over the run, more than the ")
          .append(mib(heapBoundBytes, false)).append(" allowed: something is kept per input");
    }
    if (tried == 0) {
      problems.append("\n  no input was tried");
    }
    if (!problems.isEmpty()) {
      throw new AssertionError(line + problems);
    }
    return line;
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }

  private ExecutorService newWorker() {
    return Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("fuzz-" + target).unstarted(r));
  }

  private static void record(String line) {
    Path dir = Path.of("target");
    if (Files.isDirectory(dir)) {
      try {
        Files.writeString(dir.resolve("fuzz-results.txt"), line + "\n", StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        System.out.println("fuzz: cannot append to target/fuzz-results.txt: " + e);
      }
    }
  }

  /** The heap in use after full collections (the JVM may still differ by what other threads allocate). */
  public static long usedHeapAfterGc() {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static String mib(long bytes, boolean signed) {
    return String.format(Locale.ROOT, signed ? "%+.1fMiB" : "%.0fMiB", bytes / (1024.0 * 1024));
  }

  /** An input as the failure report shows it: printable, at most a few hundred characters. */
  static String shown(String input) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < input.length() && sb.length() < SHOWN_CHARS; i++) {
      char c = input.charAt(i);
      if (c == '\n') {
        sb.append("\\n");
      } else if (c < 0x20 || c == 0x7f || (c >= 0xd800 && c <= 0xdfff)) {
        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return input.length() > SHOWN_CHARS ? sb + "... (" + input.length() + " characters)" : sb.toString();
  }

  /** One input's seed from the run's seed and the input's number (SplitMix64's finalizer). */
  static long mix(long seed, long index) {
    long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
