package dev.vmesh.api.validation;

import dev.vmesh.api.codec.FieldPaths;
import dev.vmesh.api.Addresses;
import dev.vmesh.api.WorkloadEntrySpec;
import java.util.Map;
import java.util.Set;

/** {@code WorkloadEntryRules} validates WorkloadEntry specs, standalone or as ServiceEntry endpoints. */
final class WorkloadEntryRules {
  private WorkloadEntryRules() {}

  /** A WorkloadEntry object's spec: hostnames allowed, ports not checked against any service. */
  static void validateStandalone(WorkloadEntrySpec w, Findings f) {
    validate(w, "spec", true, null, f);
  }

  /**
   * One workload spec under {@code path}. {@code allowFqdn} false demands an IP (STATIC endpoints);
   * {@code servicePorts} non-null checks port names against the ServiceEntry's.
   */
  static void validate(WorkloadEntrySpec w, String path, boolean allowFqdn, Set<String> servicePorts,
      Findings f) {
    fieldLimits(w, path, f);
    String address = w.address();
    if (address.isEmpty()) {
      if (w.network().isEmpty()) {
        f.error(path + ".address", "address is required (an IP, a hostname or unix:///path); it may be "
            + "empty only when network is set");
        return;
      }
      f.warning(path + ".address", "address is unset with network \"" + w.network()
          + "\": the workload is reached through that network's gateway");
    } else if (w.isUnix()) {
      String socket = address.substring(WorkloadEntrySpec.UNIX_PREFIX.length());
      if (socket.isEmpty()) {
        f.error(path + ".address", "unix address needs a path: unix:///path or unix://@abstract");
      } else if (!socket.startsWith("@") && (!socket.startsWith("/") || socket.endsWith("/"))) {
        f.error(path + ".address", "\"" + address + "\" must name an absolute socket path not ending in '/'"
            + " (unix:///path) or an abstract socket (unix://@name)");
      }
      if (!w.ports().isEmpty()) {
        f.error(path + ".ports", "unix endpoint " + address + " must not include ports");
      }
      if (servicePorts != null && servicePorts.size() != 1) {
        f.error(path + ".address", "exactly 1 service port is required for unix endpoints, the service has "
            + servicePorts.size());
      }
    } else if (!Addresses.isIp(address)) {
      if (!allowFqdn) {
        f.error(path + ".address", "endpoint address \"" + address + "\" is not a valid IP address "
            + "(resolution STATIC needs IPs; use resolution DNS for hostnames)");
      } else {
        String problem = Names.fqdnProblem(address);
        if (problem != null) {
          f.error(path + ".address", "endpoint address \"" + address + "\" is not a valid FQDN or an IP "
              + "address: " + problem);
        }
      }
    }
    for (Map.Entry<String, Integer> p : w.ports().entrySet()) {
      String where = FieldPaths.child(path + ".ports", p.getKey());
      if (servicePorts != null && !servicePorts.contains(p.getKey())) {
        f.error(where, "endpoint port " + p.getValue() + " (" + p.getKey() + ") is not defined by the service "
            + "entry; port names must match spec.ports[].name");
      }
      if (!Names.isDns1123Label(p.getKey())) {
        f.error(where, "port name \"" + p.getKey() + "\" must be a DNS label (letters, digits, '-')");
      }
    }
    Validator.labels(path + ".labels", w.labels(), f);
  }

  /** Size limits from the CRD schema. */
  static void fieldLimits(WorkloadEntrySpec w, String path, Findings f) {
    if (w.address().length() > 256) {
      f.error(path + ".address", "address must be at most 256 characters");
    }
    if (w.ports().size() > 128) {
      f.error(path + ".ports", "at most 128 ports are allowed, found " + w.ports().size());
    }
    if (w.network().length() > 2048) {
      f.error(path + ".network", "network must be at most 2048 characters");
    }
    if (w.locality().length() > 2048) {
      f.error(path + ".locality", "locality must be at most 2048 characters");
    }
    if (w.serviceAccount().length() > 253) {
      f.error(path + ".serviceAccount", "serviceAccount must be at most 253 characters");
    }
  }
}
