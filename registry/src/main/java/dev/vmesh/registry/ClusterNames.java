package dev.vmesh.registry;

/** {@code ClusterNames} builds and parses Envoy cluster names the way Istio spells them. */
public final class ClusterNames {
  private ClusterNames() {}

  /** {@code outbound|<port>|<subset>|<host>}. */
  public static String outbound(int port, String subset, String host) {
    return "outbound|" + port + "|" + subset + "|" + host;
  }

  /** {@code inbound|<port>||}. */
  public static String inbound(int port) {
    return "inbound|" + port + "||";
  }

  /** The SNI form: {@code outbound_.<port>_.<subset>_.<host>}. */
  public static String sni(int port, String subset, String host) {
    return "outbound_." + port + "_." + subset + "_." + host;
  }

  /** A parsed cluster name; valid names have exactly three {@code |}. */
  public record Parsed(String direction, int port, String subset, String host) {}

  /** Parses a cluster name, or returns null when it is not of the {@code dir|port|subset|host} form. */
  public static Parsed parse(String name) {
    String[] parts = name.split("\\|", -1);
    if (parts.length != 4) {
      return null;
    }
    try {
      return new Parsed(parts[0], Integer.parseInt(parts[1]), parts[2], parts[3]);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
