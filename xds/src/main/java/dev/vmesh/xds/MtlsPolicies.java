package dev.vmesh.xds;

import dev.vmesh.api.MtlsMode;
import dev.vmesh.registry.security.PeerAuthentications;
import dev.vmesh.registry.security.WorkloadMtls;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code MtlsPolicies} answers what mutual TLS a workload's inbound side accepts, PeerAuthentication
 * composed as Istio composes it. The sidecar types read it for the inbound chains (per target port),
 * the endpoints' {@code tlsMode} metadata and the clusters' automatic mTLS.
 */
public interface MtlsPolicies {
  /** With no policy at all: PERMISSIVE everywhere, Istio's default. */
  MtlsPolicies PERMISSIVE = new MtlsPolicies() {
    @Override
    public WorkloadMode forWorkload(String namespace, Map<String, String> labels) {
      return WorkloadMode.DEFAULT;
    }

    @Override
    public Mode namespaceMode(String namespace) {
      return Mode.PERMISSIVE;
    }
  };

  /** PeerAuthentication as the registry composes it ({@link PeerAuthentications}, Istio's rules). */
  static MtlsPolicies of(PeerAuthentications policies) {
    return new MtlsPolicies() {
      @Override
      public WorkloadMode forWorkload(String namespace, Map<String, String> labels) {
        WorkloadMtls w = policies.forWorkload(namespace, labels);
        if (w.ports().isEmpty()) {
          return w.mode() == MtlsMode.PERMISSIVE ? WorkloadMode.DEFAULT : new WorkloadMode(mode(w.mode()), Map.of());
        }
        Map<Integer, Mode> ports = new HashMap<>();
        w.ports().forEach((port, m) -> ports.put(port, mode(m)));
        return new WorkloadMode(mode(w.mode()), ports);
      }

      @Override
      public Mode namespaceMode(String namespace) {
        return mode(policies.namespaceMode(namespace));
      }
    };
  }

  /** A composed mode (UNSET never comes out of composition; it would mean PERMISSIVE). */
  private static Mode mode(MtlsMode m) {
    return switch (m) {
      case STRICT -> Mode.STRICT;
      case DISABLE -> Mode.DISABLE;
      case PERMISSIVE, UNSET -> Mode.PERMISSIVE;
    };
  }

  /** The composed mode of a workload in {@code namespace} with {@code labels}. */
  WorkloadMode forWorkload(String namespace, Map<String, String> labels);

  /** The namespace's (else the mesh's) mode, which decides a client's automatic mTLS towards its services. */
  Mode namespaceMode(String namespace);

  /** A composed mTLS mode (never UNSET). */
  enum Mode { STRICT, PERMISSIVE, DISABLE }

  /**
   * A workload's mode and its port-level modes.
   *
   * @param ports modes by the workload's own (target) port
   */
  record WorkloadMode(Mode mode, Map<Integer, Mode> ports) {
    public static final WorkloadMode DEFAULT = new WorkloadMode(Mode.PERMISSIVE, Map.of());

    public WorkloadMode {
      ports = Map.copyOf(ports);
    }

    /** The mode at {@code port}: the port's own entry, else the workload's. */
    public Mode forPort(int port) {
      return ports.getOrDefault(port, mode);
    }
  }
}
