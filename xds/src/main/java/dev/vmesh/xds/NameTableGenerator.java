package dev.vmesh.xds;

import dev.vmesh.proto.nds.NameTable;
import java.util.Set;

/**
 * {@code NameTableGenerator} builds NDS: one resource (named "") holding every hostname the proxy's
 * namespace can see, with its IPs, for the DNS proxy on the VM.
 */
final class NameTableGenerator implements Generator {
  static final String NAME = "";

  @Override
  public String typeUrl() {
    return TypeUrls.NAME_TABLE;
  }

  @Override
  public String cacheVariant(Proxy proxy) {
    return proxy.namespace();
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
    var table = dev.vmesh.registry.NameTable.of(mesh.visibleServices(proxy.namespace()));
    NameTable.Builder b = NameTable.newBuilder();
    table.table().forEach((host, info) -> b.putTable(host, NameTable.NameInfo.newBuilder()
        .addAllIps(info.ips()).setRegistry(info.registry()).build()));
    return XdsResource.of(NAME, b.build());
  }
}
