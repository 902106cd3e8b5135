package dev.vmesh.api.codec;

import dev.vmesh.api.MtlsMode;
import dev.vmesh.api.PeerAuthenticationSpec;
import dev.vmesh.api.WorkloadSelector;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** {@code PeerAuthenticationCodec} reads and writes the spec of a PeerAuthentication ({@code security.istio.io}). */
final class PeerAuthenticationCodec {
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");

  private PeerAuthenticationCodec() {}

  static PeerAuthenticationSpec decode(MapReader m) {
    WorkloadSelector selector = m.object("selector", "a workload selector",
        r -> new WorkloadSelector(r.stringMap("matchLabels")));
    MtlsMode mode = mtls(m, "mtls");
    return new PeerAuthenticationSpec(selector, mode, portLevel(m));
  }

  private static MtlsMode mtls(MapReader m, String key) {
    MtlsMode mode = m.object(key, "an mTLS setting", r -> r.enumValue("mode", MtlsMode.class, MtlsMode.UNSET));
    return mode == null ? MtlsMode.UNSET : mode;
  }

  /** {@code portLevelMtls}: keys are port numbers written as map keys ({@code "8080": {mode: STRICT}}). */
  private static Map<Integer, MtlsMode> portLevel(MapReader m) {
    SourceNode node = m.get("portLevelMtls");
    if (node == null) {
      return null;
    }
    NodeReader reader = m.reader();
    String path = m.childPath("portLevelMtls");
    Map<String, MtlsMode> byKey = reader.mapOf(node, path, (n, p) -> {
      MapReader r = reader.map(n, p, "a port's mTLS setting");
      if (r == null) {
        return null;
      }
      MtlsMode mode = r.enumValue("mode", MtlsMode.class, MtlsMode.UNSET);
      r.finish();
      return mode;
    });
    Map<Integer, MtlsMode> out = new TreeMap<>();
    for (Map.Entry<String, MtlsMode> e : byKey.entrySet()) {
      String where = FieldPaths.child(path, e.getKey());
      if (!DIGITS.matcher(e.getKey()).matches()) {
        reader.error(where, reader.position(where), "\"" + e.getKey() + "\" is not a port number; portLevelMtls"
            + " keys are the workload's ports, e.g. \"8080\": {mode: STRICT}");
      } else if (e.getKey().length() > 5 || Integer.parseInt(e.getKey()) > 65535) {
        reader.error(where, reader.position(where), e.getKey() + " is not in 1..65535");
      } else {
        out.put(Integer.parseInt(e.getKey()), e.getValue());
      }
    }
    return out;
  }

  static Map<String, Object> encode(PeerAuthenticationSpec s) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (s.selector() != null) {
      Map<String, Object> selector = new LinkedHashMap<>();
      ResourceEncoder.putMap(selector, "matchLabels", s.selector().labels());
      out.put("selector", selector);
    }
    if (s.mode() != MtlsMode.UNSET) {
      out.put("mtls", mode(s.mode()));
    }
    if (s.portLevelMtls() != null) {
      Map<String, Object> ports = new LinkedHashMap<>();
      s.portLevelMtls().forEach((port, mode) -> ports.put(Integer.toString(port), mode(mode)));
      out.put("portLevelMtls", ports);
    }
    return out;
  }

  private static Map<String, Object> mode(MtlsMode mode) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (mode != MtlsMode.UNSET) {
      out.put("mode", mode.name());
    }
    return out;
  }
}
