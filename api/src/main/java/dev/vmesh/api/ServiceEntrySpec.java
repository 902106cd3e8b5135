package dev.vmesh.api;

import java.util.List;
import java.util.Objects;

/**
 * {@code ServiceEntrySpec} is the spec of a ServiceEntry: a service (hosts, ports, resolution) and
 * where its endpoints come from (inline {@code endpoints} or WorkloadEntries picked by
 * {@code workloadSelector}). {@code workloadSelector} is null when absent.
 */
public record ServiceEntrySpec(
    List<String> hosts,
    List<String> addresses,
    List<ServicePort> ports,
    Location location,
    Resolution resolution,
    List<WorkloadEntrySpec> endpoints,
    WorkloadSelector workloadSelector,
    List<String> exportTo,
    List<String> subjectAltNames)
    implements Spec {

  public ServiceEntrySpec {
    hosts = copy(hosts);
    addresses = copy(addresses);
    ports = copy(ports);
    location = Objects.requireNonNullElse(location, Location.MESH_EXTERNAL);
    resolution = Objects.requireNonNullElse(resolution, Resolution.NONE);
    endpoints = copy(endpoints);
    exportTo = copy(exportTo);
    subjectAltNames = copy(subjectAltNames);
  }

  private static <T> List<T> copy(List<T> in) {
    return in == null ? List.of() : List.copyOf(in);
  }

  @Override
  public Kind kind() {
    return Kind.SERVICE_ENTRY;
  }
}
