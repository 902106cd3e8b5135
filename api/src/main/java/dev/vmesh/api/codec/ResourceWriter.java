package dev.vmesh.api.codec;

import dev.vmesh.api.Resource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code ResourceWriter} prints resources as Kubernetes-style YAML or JSON. */
public final class ResourceWriter {
  private ResourceWriter() {}

  public static String yaml(Resource r) {
    return TreeWriter.yaml(ResourceEncoder.encode(r));
  }

  /** Several resources as one YAML stream ({@code ---} between documents). */
  public static String yaml(List<Resource> resources) {
    return TreeWriter.yamlDocuments(resources.stream().map(ResourceEncoder::encode).toList());
  }

  public static String json(Resource r, boolean pretty) {
    return TreeWriter.json(ResourceEncoder.encode(r), pretty);
  }

  /** Several resources as a Kubernetes {@code List} object. */
  public static String jsonList(List<Resource> resources, boolean pretty) {
    Map<String, Object> list = new LinkedHashMap<>();
    list.put("apiVersion", "v1");
    list.put("kind", "List");
    list.put("items", resources.stream().map(ResourceEncoder::encode).toList());
    return TreeWriter.json(list, pretty);
  }
}
