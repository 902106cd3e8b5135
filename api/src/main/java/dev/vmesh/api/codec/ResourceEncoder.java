package dev.vmesh.api.codec;

import dev.vmesh.api.Condition;
import dev.vmesh.api.GatewaySpec;
import dev.vmesh.api.Location;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.OwnerReference;
import dev.vmesh.api.PeerAuthenticationSpec;
import dev.vmesh.api.ReadinessProbe;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.SidecarSpec;
import dev.vmesh.api.VirtualServiceSpec;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadGroupSpec;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * {@code ResourceEncoder} turns a {@link Resource} into a plain tree (ordered maps, lists, strings,
 * numbers, booleans) in Kubernetes field order, leaving out empty and default values. The YAML and
 * JSON writers print that tree; decoding it again gives back an equal resource.
 */
public final class ResourceEncoder {
  private ResourceEncoder() {}

  public static Map<String, Object> encode(Resource r) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("apiVersion", r.apiVersion());
    out.put("kind", r.kind().kindName());
    out.put("metadata", metadata(r.metadata()));
    out.put("spec", switch (r.spec()) {
      case ServiceEntrySpec s -> serviceEntry(s);
      case WorkloadEntrySpec w -> workloadEntry(w);
      case WorkloadGroupSpec g -> workloadGroup(g);
      case PeerAuthenticationSpec p -> PeerAuthenticationCodec.encode(p);
      case GatewaySpec g -> GatewayCodec.encode(g);
      case VirtualServiceSpec v -> VirtualServiceCodec.encode(v);
      case SidecarSpec s -> SidecarCodec.encode(s);
    });
    if (!r.status().isEmpty()) {
      out.put("status", status(r.status()));
    }
    return out;
  }

  /** RFC 3339 with nanoseconds when present, as Kubernetes and Istio write times. */
  public static String time(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t);
  }

  static Map<String, Object> metadata(ObjectMeta m) {
    Map<String, Object> out = new LinkedHashMap<>();
    putString(out, "name", m.name());
    putString(out, "namespace", m.namespace());
    putMap(out, "labels", m.labels());
    putMap(out, "annotations", m.annotations());
    putString(out, "resourceVersion", m.resourceVersion());
    if (m.generation() != 0) {
      out.put("generation", m.generation());
    }
    putString(out, "uid", m.uid());
    if (m.creationTimestamp() != null) {
      out.put("creationTimestamp", time(m.creationTimestamp()));
    }
    putList(out, "ownerReferences", m.ownerReferences(), ResourceEncoder::ownerReference);
    return out;
  }

  private static Map<String, Object> ownerReference(OwnerReference o) {
    Map<String, Object> out = new LinkedHashMap<>();
    putString(out, "apiVersion", o.apiVersion());
    putString(out, "kind", o.kind());
    putString(out, "name", o.name());
    putString(out, "uid", o.uid());
    if (o.controller()) {
      out.put("controller", true);
    }
    if (o.blockOwnerDeletion()) {
      out.put("blockOwnerDeletion", true);
    }
    return out;
  }

  static Map<String, Object> serviceEntry(ServiceEntrySpec s) {
    Map<String, Object> out = new LinkedHashMap<>();
    putList(out, "hosts", s.hosts(), h -> h);
    putList(out, "addresses", s.addresses(), a -> a);
    putList(out, "ports", s.ports(), ResourceEncoder::port);
    if (s.location() != Location.MESH_EXTERNAL) {
      out.put("location", s.location().name());
    }
    if (s.resolution() != Resolution.NONE) {
      out.put("resolution", s.resolution().name());
    }
    putList(out, "endpoints", s.endpoints(), ResourceEncoder::workloadEntry);
    if (s.workloadSelector() != null) {
      Map<String, Object> sel = new LinkedHashMap<>();
      putMap(sel, "labels", s.workloadSelector().labels());
      out.put("workloadSelector", sel);
    }
    putList(out, "exportTo", s.exportTo(), e -> e);
    putList(out, "subjectAltNames", s.subjectAltNames(), e -> e);
    return out;
  }

  private static Map<String, Object> port(ServicePort p) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (p.number() != 0) {
      out.put("number", p.number());
    }
    putString(out, "protocol", p.protocol());
    putString(out, "name", p.name());
    if (p.targetPort() != 0) {
      out.put("targetPort", p.targetPort());
    }
    return out;
  }

  static Map<String, Object> workloadEntry(WorkloadEntrySpec w) {
    Map<String, Object> out = new LinkedHashMap<>();
    putString(out, "address", w.address());
    putMap(out, "ports", w.ports());
    putMap(out, "labels", w.labels());
    putString(out, "network", w.network());
    putString(out, "locality", w.locality());
    if (w.weight() != 0) {
      out.put("weight", w.weight());
    }
    putString(out, "serviceAccount", w.serviceAccount());
    return out;
  }

  private static Map<String, Object> workloadGroup(WorkloadGroupSpec g) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (!g.metadata().labels().isEmpty() || !g.metadata().annotations().isEmpty()) {
      Map<String, Object> meta = new LinkedHashMap<>();
      putMap(meta, "labels", g.metadata().labels());
      putMap(meta, "annotations", g.metadata().annotations());
      out.put("metadata", meta);
    }
    if (g.template() != null) {
      out.put("template", workloadEntry(g.template()));
    }
    if (g.probe() != null) {
      out.put("probe", probe(g.probe()));
    }
    return out;
  }

  /** A readiness probe as a plain tree (the shape of WorkloadGroup {@code spec.probe} and mesh.yaml's readinessProbe). */
  public static Map<String, Object> probe(ReadinessProbe p) {
    Map<String, Object> out = new LinkedHashMap<>();
    putInt(out, "initialDelaySeconds", p.initialDelaySeconds());
    putInt(out, "timeoutSeconds", p.timeoutSeconds());
    putInt(out, "periodSeconds", p.periodSeconds());
    putInt(out, "successThreshold", p.successThreshold());
    putInt(out, "failureThreshold", p.failureThreshold());
    if (p.httpGet() != null) {
      Map<String, Object> h = new LinkedHashMap<>();
      putString(h, "path", p.httpGet().path());
      putInt(h, "port", p.httpGet().port());
      putString(h, "host", p.httpGet().host());
      putString(h, "scheme", p.httpGet().scheme());
      putList(h, "httpHeaders", p.httpGet().httpHeaders(), hd -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", hd.name());
        m.put("value", hd.value());
        return m;
      });
      out.put("httpGet", h);
    }
    if (p.tcpSocket() != null) {
      Map<String, Object> t = new LinkedHashMap<>();
      putString(t, "host", p.tcpSocket().host());
      putInt(t, "port", p.tcpSocket().port());
      out.put("tcpSocket", t);
    }
    if (p.exec() != null) {
      out.put("exec", Map.of("command", List.copyOf(p.exec().command())));
    }
    if (p.grpc() != null) {
      Map<String, Object> g = new LinkedHashMap<>();
      putInt(g, "port", p.grpc().port());
      putString(g, "service", p.grpc().service());
      out.put("grpc", g);
    }
    return out;
  }

  private static Map<String, Object> status(ResourceStatus s) {
    Map<String, Object> out = new LinkedHashMap<>();
    putList(out, "conditions", s.conditions(), ResourceEncoder::condition);
    putList(out, "validationMessages", s.validationMessages(), v -> {
      Map<String, Object> m = new LinkedHashMap<>();
      Map<String, Object> type = new LinkedHashMap<>();
      putString(type, "name", v.typeName());
      putString(type, "code", v.typeCode());
      if (!type.isEmpty()) {
        m.put("type", type);
      }
      putString(m, "level", v.level());
      putString(m, "documentationUrl", v.documentationUrl());
      return m;
    });
    if (s.observedGeneration() != 0) {
      out.put("observedGeneration", s.observedGeneration());
    }
    putList(out, "addresses", s.addresses(), a -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("value", a.value());
      m.put("host", a.host());
      return m;
    });
    return out;
  }

  private static Map<String, Object> condition(Condition c) {
    Map<String, Object> out = new LinkedHashMap<>();
    putString(out, "type", c.type());
    putString(out, "status", c.status());
    if (c.lastProbeTime() != null) {
      out.put("lastProbeTime", time(c.lastProbeTime()));
    }
    if (c.lastTransitionTime() != null) {
      out.put("lastTransitionTime", time(c.lastTransitionTime()));
    }
    putString(out, "reason", c.reason());
    putString(out, "message", c.message());
    if (c.observedGeneration() != 0) {
      out.put("observedGeneration", c.observedGeneration());
    }
    return out;
  }

  static void putString(Map<String, Object> out, String key, String value) {
    if (!value.isEmpty()) {
      out.put(key, value);
    }
  }

  static void putInt(Map<String, Object> out, String key, int value) {
    if (value != 0) {
      out.put(key, value);
    }
  }

  static void putMap(Map<String, Object> out, String key, Map<String, ?> value) {
    if (!value.isEmpty()) {
      out.put(key, new TreeMap<>(value));
    }
  }

  static <T> void putList(Map<String, Object> out, String key, List<T> value, Function<T, Object> fn) {
    if (!value.isEmpty()) {
      List<Object> list = new ArrayList<>(value.size());
      for (T t : value) {
        list.add(fn.apply(t));
      }
      out.put(key, list);
    }
  }
}
