package dev.vmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vmesh.api.time.ManualTimer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Status;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * When the server refuses the agent's stream (its address, identity, entry name or credentials), the
 * agent logs the server's reason as a refusal and keeps it for its status page until a stream is
 * accepted; an unreachable or restarting server is not a refusal.
 */
class ARefusedRegistrationIsReportedByTheAgentTest {
  static final Node NODE = Node.newBuilder().setId("sidecar~300.1.1.1~vm-1.vm~vm.svc.cluster.local").build();
  static final String REASON = "auto-registration refused: INSTANCE_IPS has \"300.1.1.1\", which is not an IP address";
  FakeAds server;
  ManualTimer timer = new ManualTimer();
  AgentStream stream;
  ListAppender<ILoggingEvent> log = new ListAppender<>();

  @BeforeEach
  void start() throws Exception {
    server = new FakeAds("refused-" + System.nanoTime());
    stream = new AgentStream(server, NODE, timer, timer, new Random(1), t -> { });
    log.start();
    ((Logger) LoggerFactory.getLogger(AgentStream.class)).addAppender(log);
  }

  @AfterEach
  void stop() {
    ((Logger) LoggerFactory.getLogger(AgentStream.class)).detachAppender(log);
    stream.close();
    server.close();
  }

  @Test
  void theServersReasonIsLoggedAndShownUntilAStreamIsAccepted() {
    stream.start();
    server.last().out.onError(Status.INVALID_ARGUMENT.withDescription(REASON).asRuntimeException());
    assertThat(stream.stats().refused()).isEqualTo("INVALID_ARGUMENT: " + REASON);
    assertThat(log.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("event=xds_refused")
        .contains(NODE.getId()).contains("which is not an IP address"));

    timer.advance(Duration.ofMinutes(1)); // the retry is refused the same way
    server.last().out.onError(Status.INVALID_ARGUMENT.withDescription(REASON).asRuntimeException());
    assertThat(stream.stats().refused()).contains("300.1.1.1");

    timer.advance(Duration.ofMinutes(1)); // fixed on the server's side: the next stream is accepted
    server.last().out.onNext(AgentStreamTest.table("1", "a.example.com"));
    assertThat(stream.stats().refused()).isEmpty();
    assertThat(stream.stats().connected()).isTrue();
  }

  @Test
  void anUnavailableServerIsNotARefusal() {
    stream.start();
    server.last().out.onError(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException());
    assertThat(stream.stats().refused()).isEmpty();
    assertThat(stream.stats().lastError()).isEqualTo("UNAVAILABLE: io exception");
    assertThat(log.list).noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains("event=xds_refused"));
  }
}
