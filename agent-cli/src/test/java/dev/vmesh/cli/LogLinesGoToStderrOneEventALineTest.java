package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link LogSetup}: what every vmesh process logs, and where, without a logback.xml. */
class LogLinesGoToStderrOneEventALineTest {
  @Test
  void eventsAreOneLineOnStderrWithUtcTimeLevelAndClass() {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8)); // the appender takes stderr as it starts
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter()); // SLF4J's provider sets it in a process
    try {
      assertThat(new LogSetup().configure(context)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
      context.getLogger("dev.vmesh.agent.Agent").info("event=agent_starting node={}", "n1");
      context.getLogger("dev.vmesh.agent.Agent").debug("event=not_shown");
      context.getLogger("io.etcd.jetcd.Retry").warn("retrying");
    } finally {
      System.setErr(original);
      context.stop();
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).as("logback status: %s", context.getStatusManager().getCopyOfStatusList())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  Agent event=agent_starting node=n1\\n");
  }
}
