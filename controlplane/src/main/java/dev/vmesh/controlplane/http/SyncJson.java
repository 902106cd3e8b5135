package dev.vmesh.controlplane.http;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.api.codec.ResourceEncoder;
import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.controlplane.autoregistration.Registrations;
import dev.vmesh.xds.HorizonReport;
import dev.vmesh.xds.Proxy;
import dev.vmesh.xds.RefusedStream;
import dev.vmesh.xds.SyncStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code SyncJson} prints {@code /debug/syncz}: each connected proxy, its node metadata, what its
 * registration came to ({@code workloadEntry}, and {@code registration} for a proxy that asked for one),
 * per type what was sent and acknowledged, with the last NACK's message, and what the split horizon left
 * out of its endpoints ({@code splitHorizon}); and {@code /debug/refusedz}:
 * the streams the server last refused, with the status the client got.
 */
public final class SyncJson {
  private SyncJson() {}

  public static String json(List<SyncStatus> statuses, Registrations registrations) {
    List<Object> out = new ArrayList<>();
    for (SyncStatus s : statuses) {
      Map<String, Object> m = new LinkedHashMap<>();
      Proxy p = s.proxy();
      m.put("connectionId", s.connectionId());
      m.put("proxy", p.id());
      m.put("protocol", s.protocol());
      m.put("ip", p.ip());
      m.put("ips", p.ips());
      m.put("namespace", p.namespace());
      m.put("proxyless", p.proxyless());
      m.put("labels", new TreeMap<>(p.labels()));
      m.put("network", p.network());
      m.put("locality", p.locality());
      m.put("autoRegisterGroup", p.autoRegisterGroup());
      var registration = registrations.of(s.connectionId());
      m.put("workloadEntry", registration.map(Registrations.State::workloadEntry).filter(e -> !e.isEmpty())
          .orElse(p.workloadEntry()));
      m.put("identity", p.identity());
      m.put("connectedAt", ResourceEncoder.time(s.connectedAt()));
      registration.ifPresent(r -> {
        Map<String, Object> rm = new LinkedHashMap<>();
        rm.put("state", r.kind().label());
        rm.put("reason", r.reason());
        rm.put("at", ResourceEncoder.time(r.at()));
        m.put("registration", rm);
      });
      m.put("metadata", struct(p.metadata()));
      Map<String, Object> types = new LinkedHashMap<>();
      s.types().forEach((type, t) -> {
        Map<String, Object> tm = new LinkedHashMap<>();
        tm.put("wildcard", t.wildcard());
        tm.put("subscribed", t.subscribed());
        tm.put("resources", t.resources());
        tm.put("versionSent", t.versionSent());
        tm.put("versionAcked", t.versionAcked());
        tm.put("nonce", t.nonce());
        tm.put("responses", t.responses());
        tm.put("nacks", t.nacks());
        tm.put("lastNack", t.lastNack());
        tm.put("lastNackAt", t.lastNackAt() == null ? "" : ResourceEncoder.time(t.lastNackAt()));
        types.put(type, tm);
      });
      m.put("types", types);
      m.put("splitHorizon", horizon(s.horizon()));
      out.add(m);
    }
    return TreeWriter.json(out, true) + "\n";
  }

  /** What the split horizon left out of a proxy's endpoints, and why. */
  private static Map<String, Object> horizon(HorizonReport h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("network", h.network());
    m.put("requestedNetworkView", h.requestedNetworkView());
    m.put("gateways", h.gateways());
    m.put("droppedTotal", h.droppedTotal());
    List<Object> dropped = new ArrayList<>();
    for (HorizonReport.Dropped d : h.dropped()) {
      Map<String, Object> dm = new LinkedHashMap<>();
      dm.put("cluster", d.cluster());
      dm.put("address", d.address());
      dm.put("port", d.port());
      dm.put("network", d.network());
      dm.put("reason", d.reason());
      dropped.add(dm);
    }
    m.put("dropped", dropped);
    return m;
  }

  /** {@code /debug/refusedz}: the streams the server last ended with an error, most recent first. */
  static String refused(List<RefusedStream> refused) {
    List<Object> out = new ArrayList<>();
    for (RefusedStream r : refused) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("at", ResourceEncoder.time(r.at()));
      m.put("proxy", r.proxy());
      m.put("identity", r.identity());
      m.put("reason", r.reason());
      m.put("status", r.status());
      m.put("message", r.message());
      out.add(m);
    }
    return TreeWriter.json(out, true) + "\n";
  }

  private static Object struct(Struct s) {
    Map<String, Object> m = new TreeMap<>();
    s.getFieldsMap().forEach((k, v) -> m.put(k, value(v)));
    return m;
  }

  private static Object value(Value v) {
    return switch (v.getKindCase()) {
      case STRING_VALUE -> v.getStringValue();
      case NUMBER_VALUE -> v.getNumberValue();
      case BOOL_VALUE -> v.getBoolValue();
      case STRUCT_VALUE -> struct(v.getStructValue());
      case LIST_VALUE -> v.getListValue().getValuesList().stream().map(SyncJson::value).toList();
      default -> null;
    };
  }
}
