package dev.vmesh.dns;

import dev.vmesh.api.Addresses;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ResolvConf} is what the proxy takes from a resolv.conf(5) file: the upstream nameservers (in
 * file order) and the search list. Read once at start, as Istio does.
 *
 * <p>Besides the standard {@code nameserver ADDRESS}, a nameserver may carry a port as
 * {@code nameserver 10.0.0.2:5353} or {@code nameserver [fd00::2]:5353} (a vmesh extension, for
 * resolvers on other ports); the glibc resolver ignores such lines, so use it only in files meant for
 * vmesh. {@code search} and {@code domain} follow glibc: the last one in the file wins.
 *
 * @param nameservers upstream servers, port 53 unless given
 * @param search search domains, lower-case, without trailing dots
 * @param warnings lines that were skipped, with the reason
 */
public record ResolvConf(List<InetSocketAddress> nameservers, List<String> search, List<String> warnings) {
  /** The system's file. */
  public static final Path SYSTEM = Path.of("/etc/resolv.conf");

  public ResolvConf {
    nameservers = List.copyOf(nameservers);
    search = List.copyOf(search);
    warnings = List.copyOf(warnings);
  }

  /** Reads and parses {@code file}. */
  public static ResolvConf read(Path file) throws IOException {
    return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
  }

  /** Parses resolv.conf text; {@code source} names it in warnings. */
  public static ResolvConf parse(String source, String text) {
    List<InetSocketAddress> servers = new ArrayList<>();
    List<String> search = List.of();
    List<String> warnings = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      String[] words = line.split("\\s+");
      switch (words[0]) {
        case "nameserver" -> {
          InetSocketAddress server = words.length < 2 ? null : server(words[1]);
          if (server == null) {
            warnings.add(source + ":" + (i + 1) + ": ignoring \"" + line + "\": not an IP address (or [IPv6]:port)");
          } else {
            servers.add(server);
          }
        }
        case "search", "domain" -> {
          List<String> domains = new ArrayList<>();
          for (int w = 1; w < words.length; w++) {
            if (words[w].startsWith("#") || words[w].startsWith(";")) {
              break;
            }
            String d = stripDot(words[w].toLowerCase(Locale.ROOT));
            if (!d.isEmpty()) {
              domains.add(d);
            }
          }
          search = words[0].equals("domain") && !domains.isEmpty() ? List.of(domains.getFirst()) : domains;
        }
        default -> {
          // options, sortlist, lookup: nothing the proxy needs
        }
      }
    }
    return new ResolvConf(servers, search, warnings);
  }

  /** True when any nameserver is an IPv6 address (the proxy then also listens on [::1]). */
  public boolean hasIpv6Nameserver() {
    return nameservers.stream().anyMatch(s -> s.getAddress() instanceof Inet6Address);
  }

  /** True when any nameserver is an IPv4 address. */
  public boolean hasIpv4Nameserver() {
    return nameservers.stream().anyMatch(s -> !(s.getAddress() instanceof Inet6Address));
  }

  /** Parses {@code IP}, {@code IPv4:port} or {@code [IPv6]:port}; null when it is none of them. */
  static InetSocketAddress server(String s) {
    String host = s;
    int port = 53;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        return null;
      }
      host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":") || (port = port(rest.substring(1))) < 0) {
          return null;
        }
      }
    } else if (s.indexOf(':') > 0 && s.indexOf(':') == s.lastIndexOf(':')) {
      host = s.substring(0, s.indexOf(':'));
      if ((port = port(s.substring(s.indexOf(':') + 1))) < 0) {
        return null;
      }
    }
    try {
      return Addresses.isIp(host) || host.contains("%") ? new InetSocketAddress(Addresses.parseIp(host), port) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static int port(String s) {
    if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    int p = Integer.parseInt(s);
    return p >= 1 && p <= 65535 ? p : -1;
  }

  private static String stripDot(String s) {
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }
}
