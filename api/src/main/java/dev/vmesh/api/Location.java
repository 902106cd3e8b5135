package dev.vmesh.api;

/** {@code Location} says whether a ServiceEntry's service is part of the mesh (Istio's numbering). */
public enum Location {
  MESH_EXTERNAL,
  MESH_INTERNAL
}
