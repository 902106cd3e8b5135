package dev.vmesh.api.validation;

import dev.vmesh.api.codec.FieldPaths;
import dev.vmesh.api.GatewaySpec;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.PeerAuthenticationSpec;
import dev.vmesh.api.Problem;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.SidecarSpec;
import dev.vmesh.api.VirtualServiceSpec;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadGroupSpec;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.SourceMap;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@code Validator} checks resources the way Istio's admission (CRD schema and webhook) would, rule for
 * rule and in the same order, returning errors and warnings with field paths. Where vmesh deliberately
 * differs from Istio, docs/compatibility.md says so.
 */
public final class Validator {
  private final ValidationOptions options;

  public Validator(ValidationOptions options) {
    this.options = options;
  }

  public Validator() {
    this(ValidationOptions.DEFAULTS);
  }

  /** Every problem with {@code r}, paths relative to the object root ({@code spec.ports[1].number}). */
  public List<Problem> validate(Resource r) {
    Findings f = new Findings();
    metadata(r.metadata(), f);
    switch (r.spec()) {
      case ServiceEntrySpec s -> ServiceEntryRules.validate(r.metadata(), s, options, f);
      case WorkloadEntrySpec w -> WorkloadEntryRules.validateStandalone(w, f);
      case WorkloadGroupSpec g -> WorkloadGroupRules.validate(g, f);
      case PeerAuthenticationSpec p -> PeerAuthenticationRules.validate(p, f);
      case GatewaySpec g -> GatewayRules.validate(r.metadata(), g, f);
      case VirtualServiceSpec v -> VirtualServiceRules.validate(r.metadata(), v, f);
      case SidecarSpec s -> SidecarRules.validate(r.metadata(), s, f);
    }
    return f.list();
  }

  /** Validates a decoded object and points each problem at its file, line and column. */
  public List<Problem> validate(ResourceDecoder.Decoded d) {
    return locate(validate(d.resource()), d.sourceMap());
  }

  /**
   * Problems no single object has but a set of them does (validated together, as {@code vmesh validate} reads
   * its inputs): Sidecars that another always shadows.
   */
  public List<Problem> acrossObjects(List<ResourceDecoder.Decoded> decoded) {
    return SidecarRules.shadowed(decoded);
  }

  /** The problems with file and position filled in from {@code map}. */
  public static List<Problem> locate(List<Problem> problems, SourceMap map) {
    return problems.stream().map(p -> p.at(map.source(), map.positionOf(p.path()))).toList();
  }

  private static void metadata(ObjectMeta m, Findings f) {
    if (m.name().isEmpty()) {
      f.error("metadata.name", "name is required");
    } else if (!Names.isObjectName(m.name())) {
      f.error("metadata.name", "\"" + m.name() + "\" is not a valid name: use at most 253 lower-case letters, "
          + "digits, '-' and '.', starting and ending with a letter or digit");
    }
    if (!Names.isNamespaceName(m.namespace())) {
      f.error("metadata.namespace", "\"" + m.namespace() + "\" is not a valid namespace: use at most 63 "
          + "lower-case letters, digits and '-', starting and ending with a letter or digit");
    }
    labels("metadata.labels", m.labels(), f);
    annotations("metadata.annotations", m.annotations(), f);
  }

  /** Kubernetes' annotation rules: keys as label keys, all keys and values together at most 256 KiB. */
  static void annotations(String path, Map<String, String> annotations, Findings f) {
    long bytes = 0;
    for (Map.Entry<String, String> e : annotations.entrySet()) {
      String problem = Names.labelKeyProblem(e.getKey());
      if (problem != null) {
        f.error(FieldPaths.child(path, e.getKey()), "invalid annotation key: " + problem);
      }
      bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    if (bytes > Names.MAX_ANNOTATIONS_BYTES) {
      f.error(path, "annotations take " + bytes + " bytes together; Kubernetes allows at most "
          + Names.MAX_ANNOTATIONS_BYTES + " (256 KiB)");
    }
  }

  /**
   * Kubernetes' label rules for {@code labels} under {@code path}: at most 256 labels, keys
   * {@code [prefix/]name}, values of at most 63 letters, digits, '-', '_' or '.'.
   */
  static void labels(String path, Map<String, String> labels, Findings f) {
    if (labels.size() > 256) {
      f.error(path, "at most 256 labels are allowed, found " + labels.size());
    }
    for (Map.Entry<String, String> e : labels.entrySet()) {
      String where = FieldPaths.child(path, e.getKey());
      String keyProblem = Names.labelKeyProblem(e.getKey());
      if (keyProblem != null) {
        f.error(where, "invalid label key: " + keyProblem);
      }
      String valueProblem = Names.labelValueProblem(e.getValue());
      if (valueProblem != null) {
        f.error(where, "invalid label " + valueProblem);
      }
    }
  }
}
