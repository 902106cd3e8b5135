package dev.vmesh.cli;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.validation.Names;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code Inputs} checks flag values where they enter: each is a picocli converter, so a bad value is
 * refused before the command runs, with a message naming the flag (picocli adds it), the value and what
 * would be accepted.
 */
final class Inputs {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

  private Inputs() {}

  /**
   * Durations such as {@code 0}, {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}, {@code 7d}; anything
   * else is an IllegalArgumentException saying what would do.
   */
  static Duration duration(String s) {
    String t = s.trim();
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    var m = DURATION.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException("\"" + s + "\" is not a duration; use a whole number with ms, s, m, h"
          + " or d, e.g. 500ms, 30s, 1h");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** A duration, 0 allowed where the flag's description gives 0 a meaning. */
  static final class AnyDuration implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return duration(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A duration longer than 0 (lifetimes, timeouts). */
  static final class PositiveDuration implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d = new AnyDuration().convert(value);
      if (d.isZero()) {
        throw new TypeConversionException("\"" + value + "\" must be longer than 0, e.g. 30s or 1h");
      }
      return d;
    }
  }

  /** An IPv4 or IPv6 address, never a host name; the empty default means "not given". */
  static final class Ip implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (value.isEmpty()) {
        return value;
      }
      if (!Addresses.isIp(value)) {
        throw new TypeConversionException("\"" + value + "\" is not an IPv4 or IPv6 address, e.g. 10.0.0.5 or"
            + " fd00::5");
      }
      return Addresses.normalize(value);
    }
  }

  /** {@code HOST:PORT} or {@code [IPv6]:PORT} with a host and a port from 1 to 65535. */
  static final class HostPort implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      return hostPort(value);
    }
  }

  static String hostPort(String value) {
    String v = value.trim();
    int colon = v.lastIndexOf(':');
    String host = colon < 0 ? "" : v.substring(0, colon);
    String port = colon < 0 ? "" : v.substring(colon + 1);
    boolean bracketed = host.startsWith("[") && host.endsWith("]");
    String bare = bracketed ? host.substring(1, host.length() - 1) : host;
    boolean hostOk = bracketed ? Addresses.isIp(bare) && bare.contains(":")
        : !bare.isEmpty() && !bare.contains(":") && (Addresses.isIp(bare) || Names.fqdnProblem(bare) == null
            || Names.isDns1123Label(bare));
    if (!hostOk || !port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
      throw new TypeConversionException("\"" + value + "\" is not HOST:PORT with a port from 1 to 65535, e.g."
          + " vmesh.example.com:15012, 10.0.0.1:15012 or [fd00::1]:15012");
    }
    return v;
  }

  /**
   * Where to listen: {@code HOST:PORT}, {@code [IPv6]:PORT}, or {@code :PORT} for every address of the
   * machine; the port from 0 (any free port) to 65535; the host an IP, or a name resolved now (e.g.
   * {@code localhost}). Anything else is an IllegalArgumentException that names the part at fault and
   * shows what would do. Every listener flag of server and agent goes through here.
   */
  static InetSocketAddress listenAddress(String value) {
    String v = value.trim();
    String fix = "; use HOST:PORT with a port from 0 (any free port) to 65535 and an IPv6 host in brackets,"
        + " e.g. 127.0.0.1:15014, 0.0.0.0:15014 or [::1]:15014";
    int colon = v.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("\"" + value + "\" has no port" + fix);
    }
    String host = v.substring(0, colon);
    String port = v.substring(colon + 1);
    if (!port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) {
      throw new IllegalArgumentException("\"" + value + "\": the port \"" + port + "\" is not a number from 0 to"
          + " 65535" + fix);
    }
    boolean bracketed = host.startsWith("[") && host.endsWith("]");
    String bare = bracketed ? host.substring(1, host.length() - 1) : host;
    if (!bracketed && bare.contains(":")) {
      String example = Addresses.isIp(bare) ? "[" + bare + "]:" + port : "[" + v + "]:PORT";
      throw new IllegalArgumentException("\"" + value + "\": an IPv6 host goes in brackets, with the port after"
          + " them, e.g. " + example);
    }
    if (bracketed && !(bare.contains(":") && Addresses.isIp(bare))) {
      throw new IllegalArgumentException("\"" + value + "\": \"" + bare + "\" in brackets is not an IPv6 address"
          + fix);
    }
    if (bare.isEmpty()) {
      return new InetSocketAddress(Integer.parseInt(port));
    }
    if (Addresses.isIp(bare)) {
      return new InetSocketAddress(Addresses.parseIp(bare), Integer.parseInt(port));
    }
    if (Names.fqdnProblem(bare) != null && !Names.isDns1123Label(bare)) {
      throw new IllegalArgumentException("\"" + value + "\": \"" + bare + "\" is neither an IP address nor a host"
          + " name" + fix);
    }
    InetSocketAddress resolved = new InetSocketAddress(bare, Integer.parseInt(port));
    if (resolved.isUnresolved()) {
      throw new IllegalArgumentException("\"" + value + "\": the host name \"" + bare + "\" does not resolve"
          + " here; give an IP address of this machine, e.g. 127.0.0.1 or 0.0.0.0");
    }
    return resolved;
  }

  /** A listening address ({@link #listenAddress}). */
  static final class Listen implements ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) {
      try {
        return listenAddress(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A listening address ({@link #listenAddress}), or {@code off} (null): no listener. */
  static final class ListenOrOff implements ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) {
      if (value.isBlank() || value.trim().equals("off")) {
        return null;
      }
      try {
        return listenAddress(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage() + " (or 'off' for no listener)");
      }
    }
  }

  /** A Kubernetes namespace: a lower-case DNS-1123 label. */
  static final class Namespace implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (!Names.isNamespaceName(value)) {
        throw new TypeConversionException("\"" + value + "\" is not a namespace name: use 1 to 63 lower-case"
            + " letters, digits and '-', starting and ending with a letter or digit, e.g. vm");
      }
      return value;
    }
  }

  /** A Kubernetes object or service account name: a lower-case DNS-1123 subdomain. */
  static final class ObjectName implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (!Names.isObjectName(value)) {
        throw new TypeConversionException("\"" + value + "\" is not a valid name: use lower-case letters,"
            + " digits, '-' and '.', starting and ending with a letter or digit, at most 253, e.g. my-vm");
      }
      return value;
    }
  }

  /** A label or annotation key, {@code [prefix/]name}. */
  static final class LabelKey implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String problem = Names.labelKeyProblem(value);
      if (problem != null) {
        throw new TypeConversionException("key \"" + value + "\": " + problem + ", e.g. app=web");
      }
      return value;
    }
  }

  /** A label value: empty, or letters, digits, '-', '_' and '.' (at most 63). */
  static final class LabelValue implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      String problem = Names.labelValueProblem(value);
      if (problem != null) {
        throw new TypeConversionException(problem + ", e.g. app=web");
      }
      return value;
    }
  }

  /** Any annotation value (free text). */
  static final class AnyText implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      return value;
    }
  }

  /** A port name: a DNS-1123 label, as Kubernetes names container ports. */
  static final class PortName implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (!Names.isDns1123Label(value)) {
        throw new TypeConversionException("port name \"" + value + "\" must be letters, digits and '-' (at"
            + " most 63), e.g. http=8080");
      }
      return value;
    }
  }

  /** A port number from 1 to 65535. */
  static final class Port implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      if (!value.matches("\\d{1,5}") || Integer.parseInt(value) < 1 || Integer.parseInt(value) > 65535) {
        throw new TypeConversionException("port \"" + value + "\" must be a number from 1 to 65535, e.g."
            + " http=8080");
      }
      return Integer.parseInt(value);
    }
  }

  /** A load-balancing weight: 0 (unset) to 4294967295, as WorkloadEntry's uint32. */
  static final class Weight implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      if (!value.matches("\\d{1,10}") || Long.parseLong(value) > 0xFFFF_FFFFL) {
        throw new TypeConversionException("\"" + value + "\" must be a whole number from 0 to 4294967295");
      }
      return Long.parseLong(value);
    }
  }

  /** {@code region/zone/subzone}, each part optional but at most three parts. */
  static final class Locality implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (value.split("/", -1).length > 3 || value.contains(" ")) {
        throw new TypeConversionException("\"" + value + "\" is not REGION[/ZONE[/SUBZONE]], e.g."
            + " us-east1/us-east1-b");
      }
      return value;
    }
  }

  /** Free text without spaces or control characters (network names, cluster ids). */
  static final class Word implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      if (value.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))
          || value.length() > 253) {
        throw new TypeConversionException("\"" + value + "\" must be at most 253 characters without spaces");
      }
      return value;
    }
  }

  /** A directory to write into: missing (it is created) or a directory, not a file. */
  static final class OutputDir implements ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
      Path p = Path.of(value);
      if (Files.exists(p) && !Files.isDirectory(p)) {
        throw new TypeConversionException("\"" + value + "\" is a file; name a directory (it is created if"
            + " missing)");
      }
      return p;
    }
  }

  /** A file to write: missing or a regular file, not a directory. */
  static final class OutputFile implements ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
      Path p = Path.of(value);
      if (Files.isDirectory(p)) {
        throw new TypeConversionException("\"" + value + "\" is a directory; name a file, e.g. " + p.resolve(
            "my-vm.token"));
      }
      return p;
    }
  }
}
