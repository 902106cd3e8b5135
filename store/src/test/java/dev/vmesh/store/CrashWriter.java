package dev.vmesh.store;

import dev.vmesh.api.Resource;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Child process for {@link DurableStoreSurvivesKillDashNineTest}: writes to the durable store in a loop
 * and prints an acknowledgement after each write returns, until killed.
 *
 * <p>Usage: {@code CrashWriter DIR START}. Creates {@code we-START}, {@code we-START+1}, ... and after
 * each create bumps annotation {@code n} of object {@code counter} to the same number.
 *
 * <p>{@code CrashWriter DIR START THREADS}: that many threads create {@code we-START}, ... concurrently
 * (so their writes share group commits), each printing {@code created NAME RV} once its create returned.
 */
public final class CrashWriter {
  private CrashWriter() {}

  public static void main(String[] args) throws InterruptedException {
    Path dir = Path.of(args[0]);
    int i = Integer.parseInt(args[1]);
    PrintStream out = System.out;
    if (args.length > 2) {
      concurrently(dir, i, Integer.parseInt(args[2]), out);
      return;
    }
    try (var s = ConfigStores.durable(dir, Clock.systemUTC())) {
      Resource counter = s.get(Fixtures.we("counter", "10.255.0.1").key())
          .orElseGet(() -> s.create(Fixtures.withAnnotation(Fixtures.we("counter", "10.255.0.1"), "n", "0")));
      out.println("ready");
      out.flush();
      while (true) {
        Resource created = s.create(Fixtures.we("we-" + i, "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "."
            + (i & 255)));
        out.println("created " + created.name() + " " + created.resourceVersion());
        counter = s.update(Fixtures.withAnnotation(counter, "n", Integer.toString(i)));
        out.println("counter " + i + " " + counter.resourceVersion());
        out.flush();
        i++;
      }
    }
  }

  private static void concurrently(Path dir, int start, int threads, PrintStream out) throws InterruptedException {
    try (var s = ConfigStores.durable(dir, Clock.systemUTC())) {
      out.println("ready");
      out.flush();
      AtomicInteger next = new AtomicInteger(start);
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        writers.add(Thread.ofPlatform().start(() -> {
          while (true) {
            int i = next.getAndIncrement();
            Resource created = s.create(Fixtures.we("we-" + i, "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "."
                + (i & 255)));
            synchronized (out) {
              out.println("created " + created.name() + " " + created.resourceVersion());
              out.flush();
            }
          }
        }));
      }
      for (Thread w : writers) {
        w.join();
      }
    }
  }
}
