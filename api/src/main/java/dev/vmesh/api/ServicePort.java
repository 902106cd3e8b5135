package dev.vmesh.api;

import java.util.Objects;

/** {@code ServicePort} is one port of a ServiceEntry; {@code targetPort} 0 means "same as number". */
public record ServicePort(int number, String protocol, String name, int targetPort) {
  public ServicePort {
    protocol = Objects.requireNonNullElse(protocol, "");
    name = Objects.requireNonNullElse(name, "");
  }

  /** The port endpoints listen on when a WorkloadEntry names none: targetPort, else number. */
  public int effectiveTargetPort() {
    return targetPort > 0 ? targetPort : number;
  }
}
