package dev.vmesh.dns;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.NameTable;
import dev.vmesh.api.Problem;
import dev.vmesh.api.codec.Position;
import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceNode.Field;
import dev.vmesh.api.codec.SourceNode.ListNode;
import dev.vmesh.api.codec.SourceNode.MapNode;
import dev.vmesh.api.codec.SourceNode.Scalar;
import dev.vmesh.api.codec.SourceParser;
import dev.vmesh.api.codec.TreeWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code NameTableJson} reads and writes a {@link NameTable} as JSON in the {@code nameTable} shape of
 * {@code vmesh registry -o json} (docs/architecture.md):
 * {@code {"svc1.internal.com": {"ips": ["240.240.0.1"], "registry": "External", "namespace": "ns1",
 * "shortname": ""}}}.
 *
 * <p>Three wrappings are accepted, so any of these files can be served as is: the whole registry
 * document (the table under {@code "nameTable"}), the proto3 JSON of Istio's message (under
 * {@code "table"}), or the bare map. An entry may also carry {@code "altHosts"} ({@code "alt_hosts"}).
 * Every mistake is reported as {@code file:line:col: path: message}.
 */
public final class NameTableJson {
  private static final Set<String> ENTRY_FIELDS = Set.of("ips", "registry", "namespace", "shortname", "altHosts", "alt_hosts");

  private NameTableJson() {}

  /** A name table file that could not be read; the message lists every problem, one per line. */
  public static final class InvalidNameTableException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<Problem> problems;

    InvalidNameTableException(List<Problem> problems) {
      super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
      this.problems = List.copyOf(problems);
    }

    /** The problems found, each with file, line, column and path. */
    public List<Problem> problems() {
      return problems;
    }
  }

  /**
   * Parses {@code text}; {@code source} names it in messages (a file name). Entries whose IPs are not
   * IP literals, unknown fields and wrong types are errors.
   */
  public static NameTable parse(String source, String text) throws InvalidNameTableException {
    SourceParser.Parsed parsed = SourceParser.parseJson(source, text);
    List<Problem> problems = new ArrayList<>(parsed.problems());
    if (parsed.hasErrors()) {
      throw new InvalidNameTableException(problems);
    }
    if (parsed.documents().size() != 1 || !(parsed.documents().getFirst() instanceof MapNode root)) {
      Position pos = parsed.documents().isEmpty() ? Position.UNKNOWN : parsed.documents().getFirst().position();
      throw new InvalidNameTableException(List.of(new Problem(Problem.Severity.ERROR, source, pos, "",
          "expected one JSON object (a name table, or a document with \"nameTable\")")));
    }
    String path = "";
    MapNode table = root;
    for (String wrapper : List.of("nameTable", "table")) {
      Field f = root.fields().get(wrapper);
      if (f != null) {
        if (!(f.value() instanceof MapNode m)) {
          throw new InvalidNameTableException(List.of(new Problem(Problem.Severity.ERROR, source,
              f.value().position(), wrapper, "must be a map of hostname to entry, not " + f.value().describe())));
        }
        table = m;
        path = wrapper;
        break;
      }
    }
    Map<String, NameTable.NameInfo> out = new TreeMap<>();
    for (Field host : table.fields().values()) {
      String at = (path.isEmpty() ? "" : path) + "[\"" + host.key() + "\"]";
      NameTable.NameInfo info = entry(source, at, host, problems);
      if (info != null) {
        out.put(host.key(), info);
      }
    }
    if (problems.stream().anyMatch(Problem::isError)) {
      throw new InvalidNameTableException(problems);
    }
    return new NameTable(out);
  }

  private static NameTable.NameInfo entry(String source, String at, Field host, List<Problem> problems) {
    if (host.key().isEmpty() || host.key().equals(".")) {
      problems.add(new Problem(Problem.Severity.ERROR, source, host.keyPosition(), at, "a hostname must not be empty"));
      return null;
    }
    if (!(host.value() instanceof MapNode m)) {
      problems.add(new Problem(Problem.Severity.ERROR, source, host.value().position(), at,
          "must be a map with \"ips\", not " + host.value().describe()));
      return null;
    }
    int before = problems.size();
    for (Field f : m.fields().values()) {
      if (!ENTRY_FIELDS.contains(f.key())) {
        problems.add(new Problem(Problem.Severity.ERROR, source, f.keyPosition(), at + "." + f.key(),
            "unknown field; an entry has " + String.join(", ", List.of("ips", "registry", "namespace", "shortname", "altHosts"))));
      }
    }
    List<String> ips = strings(source, at, m, "ips", problems);
    for (int i = 0; i < ips.size(); i++) {
      if (!Addresses.isIp(ips.get(i))) {
        Position pos = ((ListNode) m.fields().get("ips").value()).items().get(i).position();
        problems.add(new Problem(Problem.Severity.ERROR, source, pos, at + ".ips[" + i + "]",
            "\"" + ips.get(i) + "\" is not an IP address"));
      }
    }
    if (ips.isEmpty() && m.fields().containsKey("ips") && problems.size() == before) {
      problems.add(new Problem(Problem.Severity.ERROR, source, m.fields().get("ips").value().position(), at + ".ips",
          "needs at least one address (hosts without addresses are left out, and queried upstream)"));
    } else if (!m.fields().containsKey("ips")) {
      problems.add(new Problem(Problem.Severity.ERROR, source, m.position(), at, "missing \"ips\""));
    }
    List<String> alt = new ArrayList<>(strings(source, at, m, "altHosts", problems));
    alt.addAll(strings(source, at, m, "alt_hosts", problems));
    String registry = string(source, at, m, "registry", problems);
    String namespace = string(source, at, m, "namespace", problems);
    String shortname = string(source, at, m, "shortname", problems);
    return problems.size() > before ? null : new NameTable.NameInfo(ips, registry, shortname, namespace, alt);
  }

  private static String string(String source, String at, MapNode m, String key, List<Problem> problems) {
    Field f = m.fields().get(key);
    if (f == null || f.value() instanceof Scalar s && s.type() == SourceNode.ScalarType.NULL) {
      return "";
    }
    if (f.value() instanceof Scalar s && s.type() == SourceNode.ScalarType.STRING) {
      return s.text();
    }
    problems.add(new Problem(Problem.Severity.ERROR, source, f.value().position(), at + "." + key,
        "must be a string, not " + f.value().describe()));
    return "";
  }

  private static List<String> strings(String source, String at, MapNode m, String key, List<Problem> problems) {
    Field f = m.fields().get(key);
    if (f == null || f.value() instanceof Scalar s && s.type() == SourceNode.ScalarType.NULL) {
      return List.of();
    }
    if (!(f.value() instanceof ListNode list)) {
      problems.add(new Problem(Problem.Severity.ERROR, source, f.value().position(), at + "." + key,
          "must be a list of strings, not " + f.value().describe()));
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < list.items().size(); i++) {
      if (list.items().get(i) instanceof Scalar s && s.type() == SourceNode.ScalarType.STRING) {
        out.add(s.text());
      } else {
        problems.add(new Problem(Problem.Severity.ERROR, source, list.items().get(i).position(),
            at + "." + key + "[" + i + "]", "must be a string, not " + list.items().get(i).describe()));
      }
    }
    return out;
  }

  /** The table as a document {@code {"nameTable": {...}}}, which {@link #parse} reads back. */
  public static String write(NameTable table) {
    Map<String, Object> names = new LinkedHashMap<>();
    table.table().forEach((host, info) -> {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("ips", info.ips());
      e.put("registry", info.registry());
      e.put("namespace", info.namespace());
      e.put("shortname", info.shortname());
      if (!info.altHosts().isEmpty()) {
        e.put("altHosts", info.altHosts());
      }
      names.put(host, e);
    });
    return TreeWriter.json(Map.of("nameTable", names), true) + "\n";
  }
}
