package dev.vmesh.api;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * {@code Addresses} parses IP literals and CIDR prefixes strictly (never a DNS lookup), for validation
 * and for the registry.
 */
public final class Addresses {
  private Addresses() {}

  /** True when {@code s} is an IPv4 or IPv6 literal. */
  public static boolean isIp(String s) {
    return !s.isEmpty() && InetAddresses.isInetAddress(s);
  }

  /** The address of an IP literal; throws IllegalArgumentException for anything else. */
  public static InetAddress parseIp(String s) {
    return InetAddresses.forString(s);
  }

  /** True when {@code s} is {@code ip/bits} with bits in range for the address family. */
  public static boolean isCidr(String s) {
    int slash = s.indexOf('/');
    if (slash < 0 || slash != s.lastIndexOf('/')) {
      return false;
    }
    String ip = s.substring(0, slash);
    String bits = s.substring(slash + 1);
    if (!isIp(ip) || bits.isEmpty() || bits.length() > 3 || !bits.chars().allMatch(Character::isDigit)) {
      return false;
    }
    int n = Integer.parseInt(bits);
    return n <= (parseIp(ip) instanceof Inet4Address ? 32 : 128);
  }

  /** An IP literal, or a CIDR prefix (exactly one {@code /}), as spec.addresses allows. */
  public static boolean isIpOrCidr(String s) {
    return s.indexOf('/') >= 0 ? isCidr(s) : isIp(s);
  }

  /**
   * A single-host prefix ({@code /32}, {@code /128}) as its plain IP; an IP in canonical text form;
   * other prefixes unchanged.
   */
  public static String normalize(String s) {
    int slash = s.indexOf('/');
    if (slash < 0) {
      return isIp(s) ? InetAddresses.toAddrString(parseIp(s)) : s;
    }
    if (!isCidr(s)) {
      return s;
    }
    InetAddress ip = parseIp(s.substring(0, slash));
    int bits = Integer.parseInt(s.substring(slash + 1));
    if (bits == (ip instanceof Inet4Address ? 32 : 128)) {
      return InetAddresses.toAddrString(ip);
    }
    return s;
  }

  /** Whether IP literal {@code ip} lies in CIDR prefix {@code cidr} (both checked by the caller); false across families. */
  public static boolean contains(String cidr, String ip) {
    int slash = cidr.indexOf('/');
    byte[] net = parseIp(cidr.substring(0, slash)).getAddress();
    byte[] addr = parseIp(ip).getAddress();
    if (net.length != addr.length) {
      return false;
    }
    int bits = Integer.parseInt(cidr.substring(slash + 1));
    for (int i = 0; i < net.length && bits > 0; i++, bits -= 8) {
      int mask = bits >= 8 ? 0xFF : (0xFF << (8 - bits)) & 0xFF;
      if ((net[i] & mask) != (addr[i] & mask)) {
        return false;
      }
    }
    return true;
  }
}
