package dev.vmesh.api.validation;

import dev.vmesh.api.ReadinessProbe;
import dev.vmesh.api.WorkloadGroupSpec;
import java.util.regex.Pattern;

/**
 * {@code WorkloadGroupRules} validates a WorkloadGroup: template present, template metadata labels,
 * the template's field limits, and the probe. Unlike Istio's webhook, a {@code grpc} probe is accepted
 * (see docs/compatibility.md).
 */
final class WorkloadGroupRules {
  private static final Pattern HEADER_NAME = Pattern.compile("[-A-Za-z0-9]+");

  private WorkloadGroupRules() {}

  static void validate(WorkloadGroupSpec g, Findings f) {
    if (g.template() == null) {
      f.error("spec.template", "template is required (it may be empty: template: {})");
    } else {
      WorkloadEntryRules.fieldLimits(g.template(), "spec.template", f);
      Validator.labels("spec.template.labels", g.template().labels(), f);
      if (!g.template().address().isEmpty()) {
        f.warning("spec.template.address", "address is ignored: each registered WorkloadEntry gets the "
            + "address of its VM");
      }
    }
    Validator.labels("spec.metadata.labels", g.metadata().labels(), f);
    Validator.annotations("spec.metadata.annotations", g.metadata().annotations(), f);
    if (g.probe() != null) {
      probe(g.probe(), f);
    }
  }

  private static void probe(ReadinessProbe p, Findings f) {
    nonNegative("spec.probe.periodSeconds", p.periodSeconds(), f);
    nonNegative("spec.probe.initialDelaySeconds", p.initialDelaySeconds(), f);
    nonNegative("spec.probe.timeoutSeconds", p.timeoutSeconds(), f);
    nonNegative("spec.probe.successThreshold", p.successThreshold(), f);
    nonNegative("spec.probe.failureThreshold", p.failureThreshold(), f);
    if (p.methodCount() > 1) {
      f.error("spec.probe", "set only one of httpGet, tcpSocket, exec and grpc");
      return;
    }
    if (p.httpGet() != null) {
      ReadinessProbe.HttpGet h = p.httpGet();
      requirePort("spec.probe.httpGet.port", h.port(), f);
      if (!h.scheme().isEmpty() && !h.scheme().equals("HTTP") && !h.scheme().equals("HTTPS")) {
        f.error("spec.probe.httpGet.scheme", "scheme \"" + h.scheme() + "\" must be HTTP or HTTPS");
      }
      for (int i = 0; i < h.httpHeaders().size(); i++) {
        String name = h.httpHeaders().get(i).name();
        if (!HEADER_NAME.matcher(name).matches()) {
          f.error("spec.probe.httpGet.httpHeaders[" + i + "].name", "header name \"" + name
              + "\" must be letters, digits and '-'");
        }
      }
    } else if (p.tcpSocket() != null) {
      requirePort("spec.probe.tcpSocket.port", p.tcpSocket().port(), f);
    } else if (p.exec() != null) {
      if (p.exec().command().isEmpty()) {
        f.error("spec.probe.exec.command", "command is required for an exec check");
      }
      for (int i = 0; i < p.exec().command().size(); i++) {
        if (p.exec().command().get(i).isEmpty()) {
          f.error("spec.probe.exec.command[" + i + "]", "command arguments must not be empty");
        }
      }
    } else if (p.grpc() != null) {
      requirePort("spec.probe.grpc.port", p.grpc().port(), f);
      f.warning("spec.probe.grpc", "vmesh runs grpc checks, but Istio's validation rejects them: this "
          + "WorkloadGroup cannot be applied to istiod unchanged");
    } else {
      f.error("spec.probe", "unknown health check method: set one of httpGet, tcpSocket, exec or grpc");
    }
  }

  private static void nonNegative(String path, int v, Findings f) {
    if (v < 0) {
      f.error(path, v + " must be 0 or more");
    }
  }

  private static void requirePort(String path, int port, Findings f) {
    if (port < 1 || port > 65535) {
      f.error(path, "port is required (1..65535)");
    }
  }
}
