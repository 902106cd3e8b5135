package dev.vmesh.api.codec;

import dev.vmesh.api.Problem;
import dev.vmesh.api.ProxyConfig;
import dev.vmesh.api.ReadinessProbe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code MeshConfigCodec} reads and writes {@code mesh.yaml}, the onboarding file holding the proxy's
 * {@code defaultConfig}. Istio's mesh config has many fields a VM agent does not use; those are kept out
 * with a notice rather than an error, so a file written for istio-agent also works here. A field that
 * looks like a misspelling of one vmesh reads is an error, because ignoring it would silently drop the
 * user's setting.
 */
public final class MeshConfigCodec {
  private static final List<String> READ = List.of("discoveryAddress", "proxyMetadata", "readinessProbe",
      "statusPort");

  private MeshConfigCodec() {}

  /** The proxy config and every problem; the config is null when there are errors. */
  public record Decoded(ProxyConfig config, List<Problem> problems) {
    public boolean hasErrors() {
      return problems.stream().anyMatch(Problem::isError);
    }
  }

  public static Decoded decode(String source, String text) {
    SourceParser.Parsed parsed = SourceParser.parse(source, text);
    List<Problem> problems = new ArrayList<>(parsed.problems());
    if (parsed.hasErrors()) {
      return new Decoded(null, problems);
    }
    if (parsed.documents().isEmpty()) {
      return new Decoded(new ProxyConfig(List.of(), Map.of(), null, 0), problems);
    }
    NodeReader reader = new NodeReader(source, problems);
    MapReader root = reader.map(parsed.documents().get(0), "", "a mesh config");
    ProxyConfig config = null;
    if (root != null) {
      var dc = root.get("defaultConfig");
      MapReader m = dc == null ? null : reader.map(dc, "defaultConfig", "a proxy config");
      if (m != null) {
        config = proxyConfig(m);
      }
      lenientFinish(root, List.of("defaultConfig"));
      if (config == null) {
        config = new ProxyConfig(List.of(), Map.of(), null, 0);
      }
    }
    boolean errors = problems.stream().anyMatch(Problem::isError);
    return new Decoded(errors ? null : config, problems);
  }

  private static ProxyConfig proxyConfig(MapReader m) {
    String discovery = m.string("discoveryAddress");
    Map<String, String> metadata = m.stringMap("proxyMetadata");
    ReadinessProbe probe = null;
    var probeNode = m.get("readinessProbe");
    if (probeNode != null) {
      probe = ResourceDecoder.decodeProbe(m.reader().source(), probeNode, m.childPath("readinessProbe"),
          m.reader().problems());
    }
    int statusPort = m.port("statusPort");
    // Everything else in Istio's ProxyConfig is accepted and ignored (see the class comment).
    lenientFinish(m, READ);
    List<String> addresses = discovery.isBlank() ? List.of()
        : Arrays.stream(discovery.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    for (String a : addresses) {
      if (!a.matches(".+:[0-9]{1,5}")) {
        m.reader().error(m.childPath("discoveryAddress"), m.position(), "\"" + a
            + "\" is not host:port; write e.g. vmesh.example.com:15012");
      }
    }
    return new ProxyConfig(addresses, metadata, probe, statusPort);
  }

  /** Unknown fields: an error when they look like a typo of a field vmesh reads, a notice otherwise. */
  private static void lenientFinish(MapReader m, List<String> known) {
    for (var f : m.node().fields().values()) {
      if (known.contains(f.key())) {
        continue;
      }
      String p = NodeReader.child(m.path(), f.key());
      String typo = Suggestions.closest(f.key(), known);
      if (typo != null) {
        m.reader().error(p, f.keyPosition(), "unknown field \"" + f.key() + "\" (did you mean \"" + typo + "\"?)");
      } else {
        m.reader().notice(p, f.keyPosition(), "field \"" + f.key() + "\" is not used by the vmesh agent; ignored");
      }
    }
  }

  /** {@code mesh.yaml} text for {@code config}: {@code defaultConfig} with the fields that are set. */
  public static String yaml(ProxyConfig config) {
    Map<String, Object> dc = new LinkedHashMap<>();
    if (!config.discoveryAddresses().isEmpty()) {
      dc.put("discoveryAddress", String.join(",", config.discoveryAddresses()));
    }
    if (!config.proxyMetadata().isEmpty()) {
      dc.put("proxyMetadata", new TreeMap<>(config.proxyMetadata()));
    }
    if (config.readinessProbe() != null) {
      dc.put("readinessProbe", ResourceEncoder.probe(config.readinessProbe()));
    }
    if (config.statusPort() > 0) {
      dc.put("statusPort", config.statusPort());
    }
    String yaml = TreeWriter.yaml(Map.of("defaultConfig", dc));
    return yaml.endsWith("\n") ? yaml : yaml + "\n";
  }
}
