package dev.vmesh.api.codec;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Kind;
import dev.vmesh.api.Location;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.OwnerReference;
import dev.vmesh.api.Problem;
import dev.vmesh.api.ReadinessProbe;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.Spec;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadGroupSpec;
import dev.vmesh.api.WorkloadSelector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code ResourceDecoder} turns parsed YAML/JSON documents into {@link Resource}s. Unknown fields, wrong
 * types and unknown kinds are errors naming file, line, column and field path; objects of other API
 * groups (a Deployment in the same file) are skipped with a notice. A document with any error yields
 * no resource.
 */
public final class ResourceDecoder {
  /** Kinds of Istio's networking and security groups vmesh does not handle (yet): skipped with a notice. */
  private static final Set<String> OTHER_ISTIO_KINDS = Set.of(
      "DestinationRule", "EnvoyFilter", "ProxyConfig",
      "AuthorizationPolicy", "RequestAuthentication");
  private static final String NOT_OURS = "not one of the Istio kinds vmesh reads";

  private ResourceDecoder() {}

  /** One decoded object and where its fields came from. */
  public record Decoded(Resource resource, SourceMap sourceMap) {}

  /**
   * An object of vmesh's kinds that was recognised (apiVersion and kind) but had decoding errors, such as
   * an unknown field or a number out of range: an invalid object, as opposed to input that is not an
   * object at all. Name and namespace are as written, or empty.
   */
  public record Rejected(Kind kind, String namespace, String name, Position position) {}

  /**
   * The objects decoded from one input, every problem found (syntax, decoding), and the recognised
   * objects that did not decode.
   */
  public record Result(List<Decoded> decoded, List<Problem> problems, List<Rejected> rejected) {
    public List<Resource> resources() {
      return decoded.stream().map(Decoded::resource).toList();
    }

    public boolean hasErrors() {
      return problems.stream().anyMatch(Problem::isError);
    }
  }

  /** Parses (YAML, or JSON for {@code .json} names) and decodes every document of {@code text}. */
  public static Result decode(String source, String text) {
    SourceParser.Parsed parsed = SourceParser.parse(source, text);
    Result result = new Result(new ArrayList<>(), new ArrayList<>(parsed.problems()), new ArrayList<>());
    for (SourceNode doc : parsed.documents()) {
      decodeDocument(source, doc, "", result);
    }
    return result;
  }

  /** Decodes one parsed document (which may be a {@code List} of objects). */
  public static Result decode(String source, SourceNode document) {
    Result result = new Result(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    decodeDocument(source, document, "", result);
    return result;
  }

  /**
   * Decodes exactly one object of the vmesh kinds, or throws {@link DecodeException} with every
   * problem. For trusted inputs such as a store's own records.
   */
  public static Resource decodeOne(String source, String text) {
    Result r = decode(source, text);
    if (r.hasErrors() || r.decoded().size() != 1) {
      List<Problem> problems = new ArrayList<>(r.problems());
      if (!r.hasErrors()) {
        problems.add(new Problem(Problem.Severity.ERROR, source, Position.UNKNOWN, "",
            "expected exactly one " + Kind.kindNames("or") + ", found " + r.decoded().size()));
      }
      throw new DecodeException(problems);
    }
    return r.decoded().get(0).resource();
  }

  /** Decodes one document into {@code result} (whose lists are mutable while decoding). */
  private static void decodeDocument(String source, SourceNode doc, String path, Result result) {
    List<Decoded> out = result.decoded();
    List<Problem> problems = result.problems();
    List<Problem> mine = new ArrayList<>();
    NodeReader reader = new NodeReader(source, mine);
    MapReader root = reader.map(doc, path, "an object with apiVersion and kind");
    if (root == null) {
      problems.addAll(mine);
      return;
    }
    String apiVersion = root.string("apiVersion");
    String kindName = root.string("kind");
    if (!mine.isEmpty()) {
      problems.addAll(mine);
      return;
    }
    if (kindName.isEmpty()) {
      reader.error(path, doc.position(), "kind is missing; set kind: " + Kind.kindNames("or"));
      problems.addAll(mine);
      return;
    }
    if (kindName.equals("List") || kindName.endsWith("List") && root.has("items")) {
      List<SourceNode> items = root.list("items", (n, p) -> n);
      root.ignore("metadata");
      root.finish();
      problems.addAll(mine);
      for (int i = 0; i < items.size(); i++) {
        decodeDocument(source, items.get(i), NodeReader.index(NodeReader.child(path, "items"), i), result);
      }
      return;
    }
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    var kind = Kind.fromKindName(kindName);
    if (kind.isPresent() && !group.equals(kind.get().group())) {
      if (meantOurGroup(group, kind.get())) {
        reader.error(NodeReader.child(path, "apiVersion"), doc.position(), "a " + kindName + " must have apiVersion "
            + kind.get().group() + "/" + kind.get().describeVersions() + ", not \"" + apiVersion + "\"");
        result.rejected().add(rejected(kind.get(), doc));
      } else {
        reader.notice(path, doc.position(), "skipped " + kindName + " (" + apiVersion + "): " + NOT_OURS);
      }
      problems.addAll(mine);
      return;
    }
    if (kind.isEmpty()) {
      if (!Kind.groups().contains(group)) {
        reader.notice(path, doc.position(), "skipped " + kindName
            + (apiVersion.isEmpty() ? "" : " (" + apiVersion + ")") + ": " + NOT_OURS);
      } else if (OTHER_ISTIO_KINDS.contains(kindName)) {
        reader.notice(path, doc.position(), "skipped " + kindName + ": vmesh does not handle this kind");
      } else {
        List<String> inGroup = Arrays.stream(Kind.values()).filter(k -> k.group().equals(group))
            .map(Kind::kindName).toList();
        String suggestion = Suggestions.closest(kindName, inGroup);
        reader.error(NodeReader.child(path, "kind"), doc.position(), "unknown kind \"" + kindName + "\" in "
            + group + (suggestion != null ? " (did you mean \"" + suggestion + "\"?)" : "")
            + "; vmesh reads " + String.join(", ", inGroup) + " of " + group);
      }
      problems.addAll(mine);
      return;
    }
    if (!kind.get().servesApiVersion(apiVersion)) {
      reader.error(NodeReader.child(path, "apiVersion"), doc.position(), "\"" + apiVersion
          + "\" is not served; use " + kind.get().group() + "/" + kind.get().describeVersions());
      problems.addAll(mine);
      result.rejected().add(rejected(kind.get(), doc));
      return;
    }
    Resource r = decodeObject(reader, root, apiVersion, kind.get(), path);
    problems.addAll(mine);
    if (r != null && mine.stream().noneMatch(Problem::isError)) {
      out.add(new Decoded(r, reader.sourceMap()));
    } else {
      result.rejected().add(rejected(kind.get(), doc));
    }
  }

  /**
   * Whether an object of one of our kinds names another group by mistake (none, another Istio group, a
   * typo of the right one) rather than being another API's kind of the same name (Gateway API's Gateway).
   */
  private static boolean meantOurGroup(String group, Kind kind) {
    return group.isEmpty() || group.endsWith(".istio.io")
        || Suggestions.closest(group, List.of(kind.group())) != null;
  }

  /** A recognised object that did not decode, named by what its metadata says, read leniently. */
  private static Rejected rejected(Kind kind, SourceNode doc) {
    String name = "";
    String namespace = "";
    if (doc instanceof SourceNode.MapNode m && m.fields().get("metadata") != null
        && m.fields().get("metadata").value() instanceof SourceNode.MapNode meta) {
      name = scalarText(meta, "name");
      namespace = scalarText(meta, "namespace");
    }
    return new Rejected(kind, namespace, name, doc.position());
  }

  private static String scalarText(SourceNode.MapNode m, String key) {
    SourceNode.Field f = m.fields().get(key);
    return f != null && f.value() instanceof SourceNode.Scalar s ? s.text() : "";
  }

  private static Resource decodeObject(NodeReader reader, MapReader root, String apiVersion, Kind kind,
      String path) {
    ObjectMeta meta = root.object("metadata", "metadata", ResourceDecoder::metadata);
    if (meta == null && !root.has("metadata")) {
      reader.error(NodeReader.child(path, "metadata"), root.position(),
          "metadata is missing; every object needs metadata.name");
    }
    Spec spec = switch (kind) {
      case SERVICE_ENTRY -> root.object("spec", "a ServiceEntry spec", ResourceDecoder::serviceEntry);
      case WORKLOAD_ENTRY -> root.object("spec", "a WorkloadEntry spec", ResourceDecoder::workloadEntry);
      case WORKLOAD_GROUP -> root.object("spec", "a WorkloadGroup spec", ResourceDecoder::workloadGroup);
      case PEER_AUTHENTICATION -> root.object("spec", "a PeerAuthentication spec", PeerAuthenticationCodec::decode);
      case GATEWAY -> root.object("spec", "a Gateway spec", GatewayCodec::decode);
      case VIRTUAL_SERVICE -> root.object("spec", "a VirtualService spec", VirtualServiceCodec::decode);
      case SIDECAR -> root.object("spec", "a Sidecar spec", SidecarCodec::decode);
    };
    if (spec == null && !root.has("spec")) {
      reader.error(NodeReader.child(path, "spec"), root.position(), "spec is missing; a " + kind.kindName()
          + " needs a spec");
    }
    ResourceStatus status = root.object("status", "status", r -> status(r, kind));
    root.finish();
    if (meta == null || spec == null) {
      return null;
    }
    return new Resource(apiVersion, kind, meta, spec, status);
  }

  private static ObjectMeta metadata(MapReader m) {
    m.ignore("managedFields", "finalizers", "generateName", "selfLink", "deletionTimestamp",
        "deletionGracePeriodSeconds");
    return new ObjectMeta(
        m.string("name"),
        m.string("namespace"),
        m.stringMap("labels"),
        m.stringMap("annotations"),
        m.string("resourceVersion"),
        m.int64("generation"),
        m.string("uid"),
        m.time("creationTimestamp"),
        m.list("ownerReferences", (n, p) -> {
          var ctx = m.reader();
          MapReader o = ctx.map(n, p, "an owner reference");
          if (o == null) {
            return null;
          }
          OwnerReference ref = new OwnerReference(o.string("apiVersion"), o.string("kind"), o.string("name"),
              o.string("uid"), o.bool("controller"), o.bool("blockOwnerDeletion"));
          o.finish();
          return ref;
        }));
  }

  private static ServiceEntrySpec serviceEntry(MapReader m) {
    return new ServiceEntrySpec(
        m.stringList("hosts"),
        m.stringList("addresses"),
        m.list("ports", (n, p) -> {
          MapReader r = m.reader().map(n, p, "a port");
          if (r == null) {
            return null;
          }
          ServicePort port = new ServicePort(r.port("number"), r.string("protocol"), r.string("name"),
              r.port("targetPort"));
          r.finish();
          return port;
        }),
        m.enumValue("location", Location.class, Location.MESH_EXTERNAL),
        m.enumValue("resolution", Resolution.class, Resolution.NONE),
        m.list("endpoints", (n, p) -> {
          MapReader r = m.reader().map(n, p, "an endpoint (WorkloadEntry)");
          if (r == null) {
            return null;
          }
          WorkloadEntrySpec e = workloadEntry(r);
          r.finish();
          return e;
        }),
        m.object("workloadSelector", "a workloadSelector", r -> new WorkloadSelector(r.stringMap("labels"))),
        m.stringList("exportTo"),
        m.stringList("subjectAltNames"));
  }

  private static WorkloadEntrySpec workloadEntry(MapReader m) {
    return new WorkloadEntrySpec(
        m.string("address"),
        m.portMap("ports"),
        m.stringMap("labels"),
        m.string("network"),
        m.string("locality"),
        m.uint32("weight"),
        m.string("serviceAccount"));
  }

  private static WorkloadGroupSpec workloadGroup(MapReader m) {
    WorkloadGroupSpec.Metadata meta = m.object("metadata", "WorkloadGroup template metadata",
        r -> new WorkloadGroupSpec.Metadata(r.stringMap("labels"), r.stringMap("annotations")));
    WorkloadEntrySpec template = m.object("template", "a WorkloadEntry template", ResourceDecoder::workloadEntry);
    ReadinessProbe probe = m.object("probe", "a readiness probe", ResourceDecoder::probe);
    return new WorkloadGroupSpec(meta, template, probe);
  }

  /** A readiness probe on its own (as in mesh.yaml); problems name {@code path} within {@code source}. */
  public static ReadinessProbe decodeProbe(String source, SourceNode node, String path, List<Problem> problems) {
    NodeReader reader = new NodeReader(source, problems);
    MapReader m = reader.map(node, path, "a readiness probe");
    if (m == null) {
      return null;
    }
    ReadinessProbe p = probe(m);
    m.finish();
    return p;
  }

  private static ReadinessProbe probe(MapReader m) {
    return new ReadinessProbe(
        m.int32("initialDelaySeconds"),
        m.int32("timeoutSeconds"),
        m.int32("periodSeconds"),
        m.int32("successThreshold"),
        m.int32("failureThreshold"),
        m.object("httpGet", "an httpGet check", r -> new ReadinessProbe.HttpGet(
            r.string("path"), r.port("port"), r.string("host"), r.string("scheme"),
            r.list("httpHeaders", (n, p) -> {
              MapReader h = r.reader().map(n, p, "an HTTP header");
              if (h == null) {
                return null;
              }
              ReadinessProbe.Header header = new ReadinessProbe.Header(h.string("name"), h.string("value"));
              h.finish();
              return header;
            }))),
        m.object("tcpSocket", "a tcpSocket check", r -> new ReadinessProbe.TcpSocket(r.string("host"),
            r.port("port"))),
        m.object("exec", "an exec check", r -> new ReadinessProbe.Exec(r.stringList("command"))),
        m.object("grpc", "a grpc check", r -> new ReadinessProbe.Grpc(r.port("port"), r.string("service"))));
  }

  private static ResourceStatus status(MapReader m, Kind kind) {
    List<Condition> conditions = m.list("conditions", (n, p) -> {
      MapReader c = m.reader().map(n, p, "a condition");
      if (c == null) {
        return null;
      }
      Condition cond = new Condition(c.string("type"), c.string("status"), c.time("lastProbeTime"),
          c.time("lastTransitionTime"), c.string("reason"), c.string("message"), c.int64("observedGeneration"));
      c.finish();
      return cond;
    });
    List<ResourceStatus.ValidationMessage> messages = m.list("validationMessages", (n, p) -> {
      MapReader v = m.reader().map(n, p, "a validation message");
      if (v == null) {
        return null;
      }
      String[] type = new String[] {"", ""};
      v.object("type", "a message type", t -> {
        type[0] = t.string("name");
        type[1] = t.string("code");
        return type;
      });
      var msg = new ResourceStatus.ValidationMessage(type[0], type[1], v.string("level"),
          v.string("documentationUrl"));
      v.finish();
      return msg;
    });
    long observed = m.int64("observedGeneration");
    List<ResourceStatus.HostAddress> addresses = List.of();
    if (kind == Kind.SERVICE_ENTRY) {
      addresses = m.list("addresses", (n, p) -> {
        MapReader a = m.reader().map(n, p, "an address");
        if (a == null) {
          return null;
        }
        var addr = new ResourceStatus.HostAddress(a.string("value"), a.string("host"));
        a.finish();
        return addr;
      });
    }
    return new ResourceStatus(conditions, messages, observed, addresses);
  }
}
