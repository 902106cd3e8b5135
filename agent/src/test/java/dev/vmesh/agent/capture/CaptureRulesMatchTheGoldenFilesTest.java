package dev.vmesh.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.agent.config.CaptureConfig;
import dev.vmesh.agent.config.ClusterEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rule set, as {@code vmesh agent iptables --dry-run} prints it, for the main cluster.env
 * combinations, against golden files in {@code src/test/resources/capture} ({@code NAME.env} in,
 * {@code NAME.iptables} and {@code NAME.nft} out). The proxy user/group are 998/997, the nameservers
 * 10.0.0.2 and fd00::53. After a deliberate change, regenerate with {@code -Dvmesh.golden.update=true}
 * and read the diff: it is the change a VM's firewall sees.
 */
class CaptureRulesMatchTheGoldenFilesTest {
  static final Path DIR = Path.of("src/test/resources/capture");

  @ParameterizedTest
  @ValueSource(strings = {"istio-defaults", "listed-ports-and-ranges", "dns-only", "dual-stack-and-extras",
      "nothing"})
  void dryRunMatchesTheGoldenFile(String name) throws Exception {
    CaptureConfig config = CaptureConfig.from(ClusterEnv.parse(name + ".env",
        Files.readString(DIR.resolve(name + ".env"))), name + ".env");
    boolean traffic = !name.equals("dns-only");
    CaptureRules.Inputs in = new CaptureRules.Inputs(config, traffic, config.dnsCapture(), List.of("998"),
        List.of("997"), List.of("10.0.0.2", "fd00::53"), 15053, config.ipv6Traffic());
    List<Rule> v4 = CaptureRules.of(in, false);
    List<Rule> v6 = CaptureRules.of(in, true);
    for (Netfilter.Backend b : Netfilter.Backend.values()) {
      String text = new Netfilter(b, new Shell(List.of())).describe(v4, v6);
      Path golden = DIR.resolve(name + "." + (b == Netfilter.Backend.NFT ? "nft" : "iptables"));
      if (Boolean.getBoolean("vmesh.golden.update")) {
        Files.writeString(golden, text);
      }
      assertThat(text).as(golden.toString()).isEqualTo(Files.readString(golden));
    }
  }
}
