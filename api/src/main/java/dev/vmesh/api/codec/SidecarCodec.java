package dev.vmesh.api.codec;

import dev.vmesh.api.SidecarSpec;
import dev.vmesh.api.SidecarSpec.EgressListener;
import dev.vmesh.api.SidecarSpec.OutboundMode;
import dev.vmesh.api.SidecarSpec.OutboundTrafficPolicy;
import dev.vmesh.api.SidecarSpec.Port;
import dev.vmesh.api.WorkloadSelector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code SidecarCodec} reads and writes the spec of an Istio Sidecar. The fields vmesh does not implement
 * ({@code ingress}, {@code inboundConnectionPool}, an egress listener's {@code bind} and {@code captureMode}
 * other than DEFAULT, {@code outboundTrafficPolicy.egressProxy}) change traffic, so each is an error naming the
 * field and what vmesh does instead; nothing a user wrote is dropped.
 */
final class SidecarCodec {
  private static final String NOT_YET = " is not supported by vmesh yet";

  private SidecarCodec() {}

  static SidecarSpec decode(MapReader m) {
    WorkloadSelector selector = m.object("workloadSelector", "a workload selector",
        r -> new WorkloadSelector(r.stringMap("labels")));
    m.unsupported("ingress", "ingress" + NOT_YET + ": the inbound listener serves the ports of the workload's"
        + " services (ServiceEntry ports and WorkloadEntry ports) with mTLS per PeerAuthentication; remove ingress");
    m.unsupported("inboundConnectionPool", "inboundConnectionPool" + NOT_YET + ": inbound connections are not"
        + " limited; remove inboundConnectionPool");
    List<EgressListener> egress = m.list("egress", (n, p) -> {
      MapReader r = m.reader().map(n, p, "an egress listener");
      if (r == null) {
        return null;
      }
      EgressListener e = egress(r);
      r.finish();
      return e;
    });
    OutboundTrafficPolicy policy = m.object("outboundTrafficPolicy", "an outbound traffic policy", r -> {
      r.unsupported("egressProxy", "egressProxy" + NOT_YET + ": unknown destinations pass through to their"
          + " original address (ALLOW_ANY) or are refused (REGISTRY_ONLY); remove egressProxy");
      return new OutboundTrafficPolicy(r.has("mode") ? r.enumValue("mode", OutboundMode.class,
          OutboundMode.REGISTRY_ONLY) : null);
    });
    return new SidecarSpec(selector, egress, policy);
  }

  private static EgressListener egress(MapReader r) {
    Port port = r.object("port", "an egress port", p -> {
      p.unsupported("targetPort", "targetPort has no effect on a Sidecar (Istio refuses it too); remove it");
      return new Port(p.port("number"), p.string("protocol"), p.string("name"));
    });
    r.unsupported("bind", "bind" + NOT_YET + ": outbound listeners take the connections capture sends them on"
        + " every address; remove bind");
    String capture = r.string("captureMode");
    if (!capture.isEmpty() && !capture.equals("DEFAULT")) {
      r.unsupported("captureMode", "captureMode " + capture + NOT_YET + ": outbound traffic is"
          + " captured as the agent's capture settings say (DEFAULT); remove captureMode or set DEFAULT");
    }
    return new EgressListener(port, r.stringList("hosts"));
  }

  static Map<String, Object> encode(SidecarSpec s) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (s.workloadSelector() != null) {
      Map<String, Object> selector = new LinkedHashMap<>();
      ResourceEncoder.putMap(selector, "labels", s.workloadSelector().labels());
      out.put("workloadSelector", selector);
    }
    ResourceEncoder.putList(out, "egress", s.egress(), SidecarCodec::egress);
    if (s.outboundTrafficPolicy() != null) {
      Map<String, Object> policy = new LinkedHashMap<>();
      if (s.outboundTrafficPolicy().mode() != null) {
        policy.put("mode", s.outboundTrafficPolicy().mode().name());
      }
      out.put("outboundTrafficPolicy", policy);
    }
    return out;
  }

  private static Object egress(EgressListener e) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (e.port() != null) {
      Map<String, Object> port = new LinkedHashMap<>();
      ResourceEncoder.putInt(port, "number", e.port().number());
      ResourceEncoder.putString(port, "protocol", e.port().protocol());
      ResourceEncoder.putString(port, "name", e.port().name());
      out.put("port", port);
    }
    ResourceEncoder.putList(out, "hosts", e.hosts(), h -> h);
    return out;
  }
}
