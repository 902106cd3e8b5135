package dev.vmesh.controlplane.http;

import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.xds.ConfigDump;
import java.util.List;
import java.util.Map;

/**
 * {@code ConfigDumpJson} prints {@code /debug/config_dump?proxy=ID}: the proxy, then per xDS type each
 * resource it holds with the version it was sent, whether that is still the server's current version,
 * and the resource itself in proto3 JSON.
 */
final class ConfigDumpJson {
  private ConfigDumpJson() {}

  static String json(ConfigDump dump) {
    StringBuilder sb = new StringBuilder("{\n");
    sb.append("  \"connectionId\": ").append(quote(dump.connectionId())).append(",\n");
    sb.append("  \"proxy\": ").append(quote(dump.proxy().id())).append(",\n");
    sb.append("  \"namespace\": ").append(quote(dump.proxy().namespace())).append(",\n");
    sb.append("  \"types\": {");
    String typeSep = "\n";
    for (Map.Entry<String, List<ConfigDump.Entry>> type : dump.types().entrySet()) {
      sb.append(typeSep).append("    ").append(quote(type.getKey())).append(": [");
      String sep = "\n";
      for (ConfigDump.Entry e : type.getValue()) {
        sb.append(sep).append("      {\"name\": ").append(quote(e.name())).append(", \"versionSent\": ")
            .append(quote(e.versionSent())).append(", \"current\": ").append(e.current()).append(",\n")
            .append("       \"resource\": ").append(e.resource() == null ? "null"
                : dump.json(e.resource()).replace("\n", "\n       ")).append('}');
        sep = ",\n";
      }
      sb.append(type.getValue().isEmpty() ? "]" : "\n    ]");
      typeSep = ",\n";
    }
    sb.append(dump.types().isEmpty() ? "}\n}\n" : "\n  }\n}\n");
    return sb.toString();
  }

  private static String quote(String s) {
    return TreeWriter.json(s, false);
  }
}
