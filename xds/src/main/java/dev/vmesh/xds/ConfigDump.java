package dev.vmesh.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.util.List;
import java.util.Map;

/**
 * {@code ConfigDump} is what one connected proxy has been sent, for {@code /debug/config_dump}: per
 * type, each resource it holds, in the version it acknowledged or was last sent, and the resource as the
 * server generates it now (the same bytes when {@code current} is true).
 *
 * @param types short type name (cds, eds, lds, rds, nds) to the resources, in name order
 * @param messages the messages those resources are made of, which their resource types name
 */
public record ConfigDump(String connectionId, Proxy proxy, Map<String, List<Entry>> types,
    JsonFormat.TypeRegistry messages) {

  /** One resource: the version the proxy has, and whether the server's current one is that version. */
  public record Entry(String name, String versionSent, boolean current, XdsResource resource) {}

  /** A resource as proto3 JSON (Envoy's own config_dump uses the same mapping). */
  public String json(XdsResource resource) {
    try {
      return JsonFormat.printer().usingTypeRegistry(messages).print(resource.resource());
    } catch (InvalidProtocolBufferException e) {
      return "{\"@type\": \"" + resource.resource().getTypeUrl() + "\", \"error\": \"cannot print: "
          + e.getMessage().replace("\"", "'") + "\"}";
    }
  }
}
