package dev.vmesh.xds;

import dev.vmesh.proto.nds.NameTable;
import dev.vmesh.registry.ServiceChange;
import java.util.Set;

/**
 * {@code NameTableType} is NDS for every proxy: one resource (named "") holding every hostname the
 * proxy's namespace can see and its Sidecar imports, with its IPs, for the DNS proxy on the VM. It is the
 * registry's own name table, as that namespace sees it, and changes when the registry says the table did or
 * when the proxy's Sidecar scope changes.
 */
final class NameTableType implements ResourceType {
  static final String NAME = "";

  /** A single resource: a response always carries all of it. */

  @Override
  public XdsType xdsType() {
    return XdsType.NAME_TABLE;
  }

  @Override
  public boolean serves(Proxy proxy) {
    return true;
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    return Set.of(NAME);
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    if (!name.equals(NAME)) {
      return null;
    }
    var table = mesh.nameTable(proxy);
    NameTable.Builder b = NameTable.newBuilder();
    table.table().forEach((host, info) -> b.putTable(host, NameTable.NameInfo.newBuilder()
        .addAllIps(info.ips()).setRegistry(info.registry()).build()));
    return XdsResource.of(NAME, b.build());
  }

  /** Service changes reach the name table through the registry's own flag ({@link #touchedByNameTable}). */
  @Override
  public void touchedBy(ServiceChange change, Set<String> names) {}

  @Override
  public void touchedByNameTable(Set<String> names) {
    names.add(NAME);
  }

  @Override
  public boolean affects(PushRequest request, Proxy proxy) {
    return request.rescopes(proxy);
  }

  @Override
  public boolean staleAll(PushRequest request) {
    return request.rescopesAny();
  }

  /** The names in the table follow the proxy's Sidecar. */
  @Override
  public boolean scoped() {
    return true;
  }

}
