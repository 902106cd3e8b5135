package dev.vmesh.agent.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.vmesh.api.time.ManualTimer;
import java.net.InetSocketAddress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor with a stand-in Envoy (a shell script, which can exit or trap signals on cue) that
 * records its arguments, its starts and the signal it got, and exits when told to.
 */
class EnvoyIsRestartedAndDrainedTest {
  @TempDir
  Path tmp;

  Path fakeEnvoy(String body) throws Exception {
    Path script = tmp.resolve("envoy");
    Files.writeString(script, "#!/bin/sh\necho \"$@\" >> " + tmp.resolve("args") + "\necho start >> "
        + tmp.resolve("starts") + "\n" + body);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  long starts() throws Exception {
    Path f = tmp.resolve("starts");
    return Files.exists(f) ? Files.readAllLines(f).size() : 0;
  }

  @Test
  void anEnvoyThatExitsIsRestartedWithGrowingBackoff() throws Exception {
    ManualTimer timer = new ManualTimer();
    Path envoy = fakeEnvoy("exit 1\n");
    try (EnvoySupervisor s = new EnvoySupervisor(envoy, tmp.resolve("bootstrap.json"), List.of("--log-level", "warn"),
        1, Duration.ofSeconds(5), timer, new Random(7))) {
      s.start();
      await().until(() -> starts() == 1 && s.restarts() == 1);
      assertThat(Files.readString(tmp.resolve("args"))).contains("-c " + tmp.resolve("bootstrap.json"),
          "--drain-time-s 5 --drain-strategy immediate --parent-shutdown-time-s 20", "--log-level warn");
      // 1 s (x0.75..1.25), then 2 s, then 4 s ...
      timer.advance(Duration.ofMillis(700));
      assertThat(starts()).isEqualTo(1);
      timer.advance(Duration.ofMillis(600));
      await().until(() -> starts() == 2 && s.restarts() == 2);
      timer.advance(Duration.ofMillis(1400));
      assertThat(starts()).isEqualTo(2);
      timer.advance(Duration.ofMillis(1200));
      await().until(() -> starts() == 3);
      assertThat(s.isReady()).isFalse();
    }
  }

  @Test
  void stopSendsSigtermAndWaitsForTheDrain() throws Exception {
    Path envoy = fakeEnvoy("trap 'echo TERM >> " + tmp.resolve("signals") + "; exit 0' TERM\n"
        + "while true; do sleep 0.1; done\n");
    ManualTimer timer = new ManualTimer();
    EnvoySupervisor s = new EnvoySupervisor(envoy, tmp.resolve("bootstrap.json"), List.of(), 1, Duration.ofSeconds(5),
        timer, new Random(7));
    s.start();
    await().until(() -> starts() == 1);
    Process p = s.process();
    s.close();
    assertThat(p.isAlive()).isFalse();
    assertThat(Files.readString(tmp.resolve("signals"))).contains("TERM");
    // It is not restarted after a stop.
    timer.advance(Duration.ofMinutes(1));
    assertThat(starts()).isEqualTo(1);
  }

  @Test
  void drainAsksEnvoysAdminToDrainOnlyTheInboundListenersGracefully() throws Exception {
    List<String> asked = new CopyOnWriteArrayList<>();
    HttpServer admin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    admin.createContext("/", exchange -> {
      asked.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
      int status = exchange.getRequestURI().getPath().equals("/drain_listeners") ? 200 : 404;
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    admin.start();
    try (EnvoySupervisor s = new EnvoySupervisor(fakeEnvoy("while true; do sleep 0.1; done\n"),
        tmp.resolve("bootstrap.json"), List.of(), admin.getAddress().getPort(), Duration.ofSeconds(45),
        new ManualTimer(), new Random(7))) {
      assertThat(s.drainInbound()).as("no Envoy running yet: nothing to drain").isFalse();
      assertThat(asked).isEmpty();
      s.start();
      await().until(() -> starts() == 1);

      assertThat(s.drainInbound()).isTrue();
      assertThat(asked).containsExactly("POST /drain_listeners?inboundonly&graceful");
    } finally {
      admin.stop(0);
    }
  }

  @Test
  void aDrainEnvoyRefusesIsReportedAsNotDraining() throws Exception {
    HttpServer admin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    admin.createContext("/", exchange -> {
      exchange.sendResponseHeaders(503, -1);
      exchange.close();
    });
    admin.start();
    try (EnvoySupervisor s = new EnvoySupervisor(fakeEnvoy("while true; do sleep 0.1; done\n"),
        tmp.resolve("bootstrap.json"), List.of(), admin.getAddress().getPort(), Duration.ofSeconds(45),
        new ManualTimer(), new Random(7))) {
      s.start();
      await().until(() -> starts() == 1);
      assertThat(s.drainInbound()).isFalse();
    } finally {
      admin.stop(0);
    }
  }
}
