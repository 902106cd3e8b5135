package dev.vmesh.api;

/**
 * {@code WorkloadEntryNames} is Istio's rule for the name of an auto-registered WorkloadEntry, shared
 * by the server that creates the entry and the agent that reports it.
 */
public final class WorkloadEntryNames {
  /** Longest name kept; a longer one keeps its last this many characters, as Istio does. */
  public static final int MAX_LENGTH = 253;

  private WorkloadEntryNames() {}

  /**
   * {@code <group>-<ip, ':' as '-'>[-<network>]}, the last {@value #MAX_LENGTH} characters if longer;
   * empty when the group or the IP is empty.
   */
  public static String autoRegistered(String group, String ip, String network) {
    if (group.isEmpty() || ip.isEmpty()) {
      return "";
    }
    String name = group + "-" + ip.replace(':', '-') + (network.isEmpty() ? "" : "-" + network);
    return name.length() > MAX_LENGTH ? name.substring(name.length() - MAX_LENGTH) : name;
  }
}
