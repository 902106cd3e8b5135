package dev.vmesh.api;

import java.util.Map;
import java.util.Objects;

/**
 * {@code WorkloadEntrySpec} describes one workload (a VM, a bare host, a unix socket) as a mesh
 * endpoint. It is also the shape of ServiceEntry inline endpoints and of a WorkloadGroup template.
 * {@code weight} is a uint32 (0 = unset).
 */
public record WorkloadEntrySpec(
    String address,
    Map<String, Integer> ports,
    Map<String, String> labels,
    String network,
    String locality,
    long weight,
    String serviceAccount)
    implements Spec {

  /** The prefix of unix domain socket addresses. */
  public static final String UNIX_PREFIX = "unix://";

  public WorkloadEntrySpec {
    address = Objects.requireNonNullElse(address, "");
    ports = Maps.copy(ports);
    labels = Maps.copy(labels);
    network = Objects.requireNonNullElse(network, "");
    locality = Objects.requireNonNullElse(locality, "");
    serviceAccount = Objects.requireNonNullElse(serviceAccount, "");
  }

  /** An entry with just an address and labels. */
  public static WorkloadEntrySpec of(String address, Map<String, String> labels) {
    return new WorkloadEntrySpec(address, Map.of(), labels, "", "", 0, "");
  }

  public boolean isUnix() {
    return address.startsWith(UNIX_PREFIX);
  }

  public WorkloadEntrySpec withLabels(Map<String, String> newLabels) {
    return new WorkloadEntrySpec(address, ports, newLabels, network, locality, weight, serviceAccount);
  }

  @Override
  public Kind kind() {
    return Kind.WORKLOAD_ENTRY;
  }
}
