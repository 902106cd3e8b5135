package dev.vmesh.store;

import dev.vmesh.api.Resource;
import java.util.List;

/** {@code ListResult} is a consistent list of objects and the resourceVersion of the store at that moment. */
public record ListResult(List<Resource> items, String resourceVersion) {
  public ListResult {
    items = List.copyOf(items);
  }
}
