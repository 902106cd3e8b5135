package dev.vmesh.api.validation;

import java.util.regex.Pattern;

/**
 * {@code Names} checks the name formats Istio and Kubernetes use: DNS-1123 labels and subdomains,
 * FQDNs and wildcard hosts, label keys and values.
 */
public final class Names {
  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?");
  private static final Pattern K8S_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern K8S_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern QUALIFIED_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern ALL_DIGITS = Pattern.compile("[0-9]+");

  /** Longest label value Kubernetes accepts. */
  public static final int MAX_LABEL_VALUE = 63;
  /** Most bytes of all annotations of one object together (keys and values), as Kubernetes allows. */
  public static final int MAX_ANNOTATIONS_BYTES = 256 * 1024;

  private Names() {}

  /** Istio's DNS-1123 label: letters (either case), digits and inner dashes; 1..63 characters. */
  public static boolean isDns1123Label(String s) {
    return !s.isEmpty() && s.length() <= 63 && DNS1123_LABEL.matcher(s).matches();
  }

  /** A Kubernetes namespace name: lower-case DNS-1123 label. */
  public static boolean isNamespaceName(String s) {
    return !s.isEmpty() && s.length() <= 63 && K8S_LABEL.matcher(s).matches();
  }

  /** A Kubernetes object name: lower-case DNS-1123 subdomain, at most 253 characters. */
  public static boolean isObjectName(String s) {
    return !s.isEmpty() && s.length() <= 253 && K8S_SUBDOMAIN.matcher(s).matches();
  }

  /**
   * Why {@code host} is not a valid FQDN, or null when it is. Labels are DNS-1123 (a trailing dot is
   * allowed); the last label must not be all digits.
   */
  public static String fqdnProblem(String host) {
    if (host.isEmpty() || host.length() > 255) {
      return "a domain name must be 1..255 characters";
    }
    String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    String[] labels = h.split("\\.", -1);
    for (String label : labels) {
      if (!isDns1123Label(label)) {
        return "\"" + label + "\" is not a valid DNS label (letters, digits and '-', at most 63)";
      }
    }
    if (ALL_DIGITS.matcher(labels[labels.length - 1]).matches()) {
      return "the last label must not be all digits";
    }
    return null;
  }

  /**
   * Why {@code host} is not a valid host with an optional wildcard in the first label ({@code *},
   * {@code *foo}, {@code *-foo}), or null when it is.
   */
  public static String wildcardHostProblem(String host) {
    if (host.isEmpty() || host.length() > 255) {
      return "a host must be 1..255 characters";
    }
    int dot = host.indexOf('.');
    String first = dot < 0 ? host : host.substring(0, dot);
    String rest = dot < 0 ? "" : host.substring(dot + 1);
    if (first.startsWith("*")) {
      String tail = first.substring(1);
      if (!tail.isEmpty() && !isDns1123Label(tail.startsWith("-") ? "a" + tail : tail)) {
        return "\"" + first + "\" is not a valid wildcard label";
      }
      if (rest.isEmpty()) {
        return null;
      }
      return fqdnProblem(rest);
    }
    return fqdnProblem(host);
  }

  /** True when {@code host} has a {@code *} that is not a whole leading label ({@code *.x} or {@code *}). */
  public static boolean isPartialWildcard(String host) {
    return host.contains("*") && !host.equals("*") && !host.startsWith("*.");
  }

  /**
   * Why {@code key} is not a valid Kubernetes label or annotation key ({@code [prefix/]name}), or null.
   */
  public static String labelKeyProblem(String key) {
    String name = key;
    int slash = key.indexOf('/');
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      name = key.substring(slash + 1);
      if (prefix.isEmpty() || prefix.length() > 253 || !K8S_SUBDOMAIN.matcher(prefix).matches()) {
        return "prefix \"" + prefix + "\" must be a lower-case DNS subdomain such as example.com";
      }
    }
    if (name.isEmpty() || name.length() > 63 || !QUALIFIED_NAME.matcher(name).matches()) {
      return "name \"" + name + "\" must be 1..63 characters of letters, digits, '-', '_' or '.', "
          + "starting and ending with a letter or digit";
    }
    return null;
  }

  /** Why {@code value} is not a valid Kubernetes label value (at most {@value #MAX_LABEL_VALUE} characters), or null. */
  public static String labelValueProblem(String value) {
    if (value.isEmpty()) {
      return null;
    }
    if (value.length() > MAX_LABEL_VALUE) {
      return "value must be at most " + MAX_LABEL_VALUE + " characters, not " + value.length();
    }
    if (!QUALIFIED_NAME.matcher(value).matches()) {
      return "value \"" + value + "\" must be letters, digits, '-', '_' or '.', starting and ending "
          + "with a letter or digit";
    }
    return null;
  }
}
