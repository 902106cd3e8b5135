package dev.vmesh.agent.envoy;

import dev.vmesh.api.time.Timer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code EnvoySupervisor} runs the VM's Envoy from the bootstrap the agent wrote, restarts it when it
 * exits (1 s doubling to 30 s between attempts, jittered; back to 1 s once a run lasted a minute), and
 * stops it. Envoy closes its listeners at once on SIGTERM, so a graceful stop is two steps, as Istio's
 * agent takes them: {@link #drainInbound()} first (inbound listeners stop taking new requests over Envoy's
 * drain time while outbound keeps working for the app's last calls), then, after the agent's termination
 * drain, {@link #close()}: SIGTERM, {@link #STOP_WAIT} to exit, then SIGKILL. Envoy's output goes to the
 * agent's own stdout and stderr (the journal under systemd).
 */
public final class EnvoySupervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EnvoySupervisor.class);
  static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  static final Duration STABLE_RUN = Duration.ofMinutes(1);
  /** How long a stopped Envoy gets to exit after SIGTERM before SIGKILL. */
  static final Duration STOP_WAIT = Duration.ofSeconds(5);
  /**
   * Envoy's {@code --drain-time-s}, Istio's {@code drainDuration} default: how long connections on a listener
   * or filter chain that an update removes (and inbound connections in a graceful drain) are discouraged
   * before they are closed. With the immediate strategy every such connection is told at once (HTTP/1.1
   * {@code Connection: close}, HTTP/2 GOAWAY).
   */
  public static final Duration DRAIN_DURATION = Duration.ofSeconds(45);

  private final List<String> command;
  private final Timer timer;
  private final Random random;
  private final int adminPort;
  private final AtomicLong restarts = new AtomicLong();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private Process process;
  private long startedNanos;
  private int failuresInARow;
  private boolean stopped;
  private Timer.Handle pending;

  /**
   * @param binary the Envoy executable
   * @param bootstrap the bootstrap file written by the agent
   * @param extraArgs more arguments for Envoy (log level, concurrency ...)
   * @param drain Envoy's drain time ({@code --drain-time-s}), {@link #DRAIN_DURATION} in the agent
   */
  public EnvoySupervisor(Path binary, Path bootstrap, List<String> extraArgs, int adminPort, Duration drain,
      Timer timer, Random random) {
    // Hot restart is off (as in Istio's sidecar): restarts are the supervisor's, and without it two
    // Envoys on one host do not fight over the shared-memory region of base id 0. Drain flags as Istio's
    // agent passes them (drain 45 s, immediate strategy, parent shutdown 15 s later).
    List<String> cmd = new ArrayList<>(List.of(binary.toString(), "-c", bootstrap.toString(),
        "--disable-hot-restart", "--drain-time-s", Long.toString(Math.max(1, drain.toSeconds())),
        "--drain-strategy", "immediate", "--parent-shutdown-time-s", Long.toString(Math.max(1, drain.toSeconds()) + 15)));
    cmd.addAll(extraArgs);
    this.command = List.copyOf(cmd);
    this.timer = timer;
    this.random = random;
    this.adminPort = adminPort;
  }

  public synchronized void start() {
    if (stopped) {
      return;
    }
    try {
      process = new ProcessBuilder(command).inheritIO().start();
      startedNanos = System.nanoTime();
      LOG.info("event=envoy_started pid={} command=\"{}\"", process.pid(), String.join(" ", command));
      Process p = process;
      p.onExit().thenAccept(this::exited);
    } catch (IOException e) {
      LOG.warn("event=envoy_start_failed error=\"{}\"", e.getMessage());
      scheduleRestart();
    }
  }

  private synchronized void exited(Process p) {
    if (p != process || stopped) {
      return;
    }
    Duration ran = Duration.ofNanos(System.nanoTime() - startedNanos);
    if (ran.compareTo(STABLE_RUN) >= 0) {
      failuresInARow = 0;
    }
    LOG.warn("event=envoy_exited code={} ran={}", p.exitValue(), ran);
    process = null;
    scheduleRestart();
  }

  private void scheduleRestart() {
    failuresInARow++;
    long base = Math.min(MAX_BACKOFF.toMillis(), MIN_BACKOFF.toMillis() << Math.min(10, failuresInARow - 1));
    Duration delay = Duration.ofMillis((long) (base * (0.75 + random.nextDouble() / 2)));
    restarts.incrementAndGet();
    pending = timer.schedule(this::start, delay);
  }

  /**
   * Starts Envoy's graceful drain of its inbound listeners ({@code POST /drain_listeners?inboundonly&graceful},
   * as Istio's agent does on SIGTERM): callers of this VM's services are told to go elsewhere while requests
   * in flight finish, and the app's own outbound calls keep working. Returns whether Envoy took it (false:
   * no Envoy running, or its admin did not answer 200).
   */
  public boolean drainInbound() {
    synchronized (this) {
      if (process == null || !process.isAlive()) {
        return false;
      }
    }
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
              + "/drain_listeners?inboundonly&graceful")).timeout(Duration.ofSeconds(2))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        LOG.warn("event=envoy_drain_failed status={} body=\"{}\"", r.statusCode(), r.body().strip());
        return false;
      }
      LOG.info("event=envoy_draining listeners=inbound");
      return true;
    } catch (IOException e) {
      LOG.warn("event=envoy_drain_failed error=\"{}\"", e.toString());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Whether Envoy runs and its admin {@code /ready} says LIVE. */
  public boolean isReady() {
    synchronized (this) {
      if (process == null || !process.isAlive()) {
        return false;
      }
    }
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
          + "/ready")).timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Restarts scheduled after Envoy exited or failed to start. */
  public long restarts() {
    return restarts.get();
  }

  /** The running process, or null. */
  public synchronized Process process() {
    return process;
  }

  @Override
  public void close() {
    Process p;
    synchronized (this) {
      stopped = true;
      if (pending != null) {
        pending.cancel();
      }
      p = process;
      process = null;
    }
    if (p == null) {
      return;
    }
    p.destroy(); // SIGTERM: Envoy closes its listeners and exits (the drain, if any, came before)
    try {
      if (!p.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("event=envoy_kill reason=\"did not exit within {} of SIGTERM\"", STOP_WAIT);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
  }
}
