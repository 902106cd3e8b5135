package dev.vmesh.registry;

/**
 * {@code ClusterKey} names one Envoy cluster the way Istio spells it: {@code outbound|<port>|<subset>|<host>}
 * for a service port, {@code inbound|<port>||} for a port the proxy's own workload serves. Cluster names
 * are built from a key; {@link #ofName} reads a name a client asked for.
 */
public record ClusterKey(Direction direction, int port, String subset, String host) {
  /** Which way traffic through the cluster goes. */
  public enum Direction {
    INBOUND("inbound"), OUTBOUND("outbound");

    private final String label;

    Direction(String label) {
      this.label = label;
    }
  }

  /** The cluster of {@code host}'s {@code port}, without subset. */
  public static ClusterKey outbound(String host, int port) {
    return new ClusterKey(Direction.OUTBOUND, port, "", host);
  }

  /** The cluster that delivers traffic for {@code port} to the proxy's own workload. */
  public static ClusterKey inbound(int port) {
    return new ClusterKey(Direction.INBOUND, port, "", "");
  }

  /** {@code outbound|<port>|<subset>|<host>} or {@code inbound|<port>||}. */
  public String name() {
    return direction.label + "|" + port + "|" + subset + "|" + host;
  }

  /** The SNI form: {@code outbound_.<port>_.<subset>_.<host>}. */
  public String sni() {
    return direction.label + "_." + port + "_." + subset + "_." + host;
  }

  /**
   * The key of a cluster name a client asked for, or null when the name is not of the
   * {@code direction|port|subset|host} form (exactly three {@code |}, a known direction, a numeric port).
   */
  public static ClusterKey ofName(String name) {
    String[] parts = name.split("\\|", -1);
    if (parts.length != 4) {
      return null;
    }
    Direction d = switch (parts[0]) {
      case "outbound" -> Direction.OUTBOUND;
      case "inbound" -> Direction.INBOUND;
      default -> null;
    };
    if (d == null) {
      return null;
    }
    try {
      return new ClusterKey(d, Integer.parseInt(parts[1]), parts[2], parts[3]);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * The key of a cluster named in the SNI form ({@code outbound_.<port>_.<subset>_.<host>}, the names of a network
   * gateway's AUTO_PASSTHROUGH clusters), or null when the name is not of that form.
   */
  public static ClusterKey ofSni(String name) {
    String prefix = Direction.OUTBOUND.label + "_.";
    if (!name.startsWith(prefix)) {
      return null;
    }
    int portEnd = name.indexOf("_.", prefix.length());
    int subsetEnd = portEnd < 0 ? -1 : name.indexOf("_.", portEnd + 2);
    if (subsetEnd < 0 || subsetEnd + 2 >= name.length()) {
      return null;
    }
    try {
      return new ClusterKey(Direction.OUTBOUND, Integer.parseInt(name.substring(prefix.length(), portEnd)),
          name.substring(portEnd + 2, subsetEnd), name.substring(subsetEnd + 2));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return name();
  }
}
