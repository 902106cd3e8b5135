package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.agent.Agent;
import dev.vmesh.agent.config.AgentConfig;
import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/metrics.md lists exactly the metrics a running server and a running agent (with its DNS proxy)
 * register: one documented that no longer exists, or one added without its row, fails here. Names are
 * read from the registries, so labelled metrics that have not counted anything yet are included.
 */
class EveryMetricIsDocumentedTest {
  private static final Pattern ROW = Pattern.compile("^\\| `([a-z_]+)` \\|", Pattern.MULTILINE);

  @TempDir
  Path dir;

  @Test
  void serverAndAgentMetricsAreTheDocumentedOnes() throws Exception {
    String doc = Files.readString(Path.of("../docs/metrics.md"));
    int agentSection = doc.indexOf("## Agent");
    Set<String> documentedServer = rows(doc.substring(0, agentSection));
    Set<String> documentedAgent = rows(doc.substring(agentSection));

    try (VmeshServer server = VmeshServer.start(ServerOptions.local(dir.resolve("data"), null),
        Clock.systemUTC())) {
      assertThat(names(server.metrics())).isEqualTo(documentedServer);
    }

    Files.writeString(dir.resolve("cluster.env"), "POD_NAMESPACE='vm'\nSERVICE_ACCOUNT='web'\n");
    Files.writeString(dir.resolve("mesh.yaml"), "defaultConfig:\n  discoveryAddress: 127.0.0.1:1\n");
    Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.1\n");
    AgentConfig config = AgentConfig.load(new AgentConfig.Paths(dir, dir.resolve("state"), dir.resolve("run")),
        Map.of("INSTANCE_IP", "127.0.0.1"), null);
    var loopback = new InetSocketAddress("127.0.0.1", 0);
    var dns = new Agent.DnsOptions(List.of(loopback), dir.resolve("resolv.conf"), Duration.ofSeconds(1), false);
    try (Agent agent = Agent.start(new Agent.Options(config, loopback, loopback, null, null, null, false, null,
        "test", null, dns), Clock.systemUTC())) {
      assertThat(names(agent.metrics())).isEqualTo(documentedAgent);
    }
  }

  /** The metric names of a table's rows (the JVM's own, documented as a pattern, left out). */
  private static Set<String> rows(String section) {
    Set<String> names = new TreeSet<>();
    ROW.matcher(section).results().forEach(m -> names.add(m.group(1)));
    return names;
  }

  /** Names as scraped: counters with {@code _total}; the JVM's and the process's own left out. */
  private static Set<String> names(PrometheusRegistry registry) {
    Set<String> names = new TreeSet<>();
    for (var s : registry.scrape()) {
      String name = s.getMetadata().getPrometheusName() + (s instanceof CounterSnapshot ? "_total" : "");
      if (!name.startsWith("jvm_") && !name.startsWith("process_")) {
        names.add(name);
      }
    }
    return names;
  }
}
