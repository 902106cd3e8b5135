package dev.vmesh.controlplane.http;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Problem;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.ResourceEncoder;
import dev.vmesh.api.codec.ResourceWriter;
import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.api.validation.Validator;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.LabelSelector;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.ListResult;
import dev.vmesh.store.Preconditions;
import dev.vmesh.store.StoreException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code AdminApi} exposes the store over HTTP with Kubernetes paths, so tools that speak the
 * Kubernetes API shape can use it:
 *
 * <pre>
 * GET    /apis/{group}/{v}/{plural}                           list, all namespaces
 * GET    /apis/{group}/{v}/namespaces/{ns}/{plural}           list
 * POST   /apis/{group}/{v}/namespaces/{ns}/{plural}           create
 * GET    /apis/{group}/{v}/namespaces/{ns}/{plural}/{name}    get
 * PUT    /apis/{group}/{v}/namespaces/{ns}/{plural}/{name}    replace (resourceVersion checked when given)
 * DELETE /apis/{group}/{v}/namespaces/{ns}/{plural}/{name}    delete (?resourceVersion=)
 * PUT    /apis/{group}/{v}/namespaces/{ns}/{plural}/{name}/status
 * </pre>
 *
 * with each kind's own group and versions ({@code security.istio.io/v1} for peerauthentications,
 * {@code networking.istio.io/v1} for serviceentries).
 * Bodies are JSON or YAML. Objects are validated exactly as {@code vmesh validate} does; a rejected
 * request changes nothing. Errors are Kubernetes {@code Status} objects; warnings come back as
 * {@code Warning} headers.
 */
public final class AdminApi implements Http.Handler {
  public static final String PREFIX = "/apis/";

  private final ConfigStore store;
  private final Validator validator = new Validator();

  public AdminApi(ConfigStore store) {
    this.store = store;
  }

  /** The parts of a path. */
  private record Target(String version, Kind kind, String namespace, String name, boolean status) {}

  @Override
  public Http.Response handle(Http.Request req) {
    Target t;
    try {
      t = parse(req.path());
    } catch (IllegalArgumentException e) {
      return error(new KubeStatus(404, "NotFound", e.getMessage(), List.of()));
    }
    try {
      return switch (req.method()) {
        case "GET" -> t.name() == null ? list(t, req) : get(t);
        case "POST" -> t.name() == null && t.namespace() != null ? write(t, req, true) : notAllowed(req);
        case "PUT" -> t.name() != null ? write(t, req, false) : notAllowed(req);
        case "DELETE" -> t.name() != null && !t.status() ? delete(t, req) : notAllowed(req);
        default -> notAllowed(req);
      };
    } catch (StoreException.Invalid e) {
      return error(new KubeStatus(422, "Invalid", e.getMessage(), e.problems()));
    } catch (StoreException e) {
      return error(new KubeStatus(e.httpStatus(), reason(e), e.getMessage(), List.of()));
    }
  }

  private static Target parse(String path) {
    String[] p = path.substring(PREFIX.length()).split("/", -1);
    if (p.length < 3 || !Kind.groups().contains(p[0])) {
      throw new IllegalArgumentException("unknown path " + path + "; use " + PREFIX
          + "GROUP/VERSION/namespaces/NAMESPACE/PLURAL[/NAME], e.g. " + example(Kind.SERVICE_ENTRY) + " or "
          + example(Kind.PEER_AUTHENTICATION));
    }
    String group = p[0];
    String version = p[1];
    if (p.length == 3) {
      return new Target(version, kind(group, version, p[2]), null, null, false);
    }
    if (!p[2].equals("namespaces") || p.length < 5 || p.length > 7 || p[3].isEmpty()) {
      throw new IllegalArgumentException("unknown path " + path);
    }
    Kind kind = kind(group, version, p[4]);
    String name = p.length >= 6 && !p[5].isEmpty() ? p[5] : null;
    boolean status = p.length == 7 && p[6].equals("status");
    if (p.length == 7 && !status) {
      throw new IllegalArgumentException("unknown subresource " + p[6] + "; only status exists");
    }
    return new Target(version, kind, p[3], name, status);
  }

  private static String example(Kind k) {
    return PREFIX + k.defaultApiVersion() + "/namespaces/default/" + k.plural();
  }

  /** The kind a path names; its group and version must be the kind's own. */
  private static Kind kind(String group, String version, String plural) {
    Kind kind = Kind.fromPlural(group, plural).orElseGet(() -> {
      String where = Arrays.stream(Kind.values()).filter(k -> k.plural().equals(plural))
          .map(k -> "; " + plural + " are under " + PREFIX + k.defaultApiVersion()).findFirst().orElse("");
      throw new IllegalArgumentException("unknown resource \"" + plural + "\" in " + group + where
          + "; vmesh serves " + Kind.userNames());
    });
    if (!kind.versions().contains(version)) {
      throw new IllegalArgumentException(group + "/" + version + " is not served for " + plural + "; use "
          + group + "/" + kind.describeVersions());
    }
    return kind;
  }

  private Http.Response list(Target t, Http.Request req) {
    LabelSelector selector;
    try {
      selector = LabelSelector.parse(req.query().get("labelSelector"));
    } catch (IllegalArgumentException e) {
      return error(new KubeStatus(400, "BadRequest", e.getMessage(), List.of()));
    }
    ListResult r = store.list(new ListOptions(t.kind(), t.namespace(), selector));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("apiVersion", t.kind().group() + "/" + t.version());
    out.put("kind", t.kind().kindName() + "List");
    out.put("metadata", Map.of("resourceVersion", r.resourceVersion()));
    List<Object> items = new ArrayList<>();
    r.items().forEach(i -> items.add(ResourceEncoder.encode(i)));
    out.put("items", items);
    return Http.Response.json(200, TreeWriter.json(out, true) + "\n");
  }

  private Http.Response get(Target t) {
    Optional<Resource> r = store.get(new ResourceKey(t.kind(), t.namespace(), t.name()));
    return r.map(x -> Http.Response.json(200, ResourceWriter.json(x, true) + "\n"))
        .orElseGet(() -> error(new KubeStatus(404, "NotFound", t.kind().kindName() + " " + t.namespace() + "/"
            + t.name() + " not found", List.of())));
  }

  private Http.Response write(Target t, Http.Request req, boolean create) {
    String source = "request body";
    boolean yaml = req.contentType().contains("yaml") || !req.bodyText().stripLeading().startsWith("{");
    ResourceDecoder.Result decoded = ResourceDecoder.decode(yaml ? source + ".yaml" : source + ".json",
        req.bodyText());
    List<Problem> problems = new ArrayList<>(decoded.problems());
    if (!decoded.hasErrors() && decoded.decoded().size() != 1) {
      problems.add(Problem.error("", "the body must hold exactly one object, found " + decoded.decoded().size()));
    }
    if (problems.stream().anyMatch(Problem::isError)) {
      return error(new KubeStatus(400, "BadRequest", "the body could not be read", problems));
    }
    ResourceDecoder.Decoded d = decoded.decoded().get(0);
    Resource r = d.resource();
    if (r.kind() != t.kind()) {
      return error(new KubeStatus(400, "BadRequest", "the body is a " + r.kind().kindName() + " but the path is for "
          + t.kind().plural(), List.of()));
    }
    if (!r.namespace().equals(t.namespace())) {
      if (d.sourceMap().has("metadata.namespace")) {
        return error(new KubeStatus(400, "BadRequest", "metadata.namespace \"" + r.namespace()
            + "\" does not match the path's namespace \"" + t.namespace() + "\"", List.of()));
      }
      r = r.withMetadata(r.metadata().withNamespace(t.namespace()));
    }
    if (!create && !r.name().equals(t.name())) {
      return error(new KubeStatus(400, "BadRequest", "metadata.name \"" + r.name() + "\" does not match the path's name \""
          + t.name() + "\"", List.of()));
    }
    List<Problem> found = Validator.locate(validator.validate(r), d.sourceMap());
    if (!t.status() && found.stream().anyMatch(Problem::isError)) {
      return error(new KubeStatus(422, "Invalid", r.kind().kindName() + " " + r.namespace() + "/" + r.name()
          + " is invalid", found));
    }
    Resource stored = t.status() ? store.updateStatus(r) : create ? store.create(r) : store.update(r);
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (Problem w : found) {
      if (!w.isError()) {
        headers.add(Map.entry("Warning", "299 - \"" + w.toString().replace('"', '\'') + "\""));
      }
    }
    return new Http.Response(create ? 201 : 200, "application/json", ResourceWriter.json(stored, true) + "\n", headers);
  }

  private Http.Response delete(Target t, Http.Request req) {
    Resource deleted = store.delete(new ResourceKey(t.kind(), t.namespace(), t.name()),
        new Preconditions(req.query().get("resourceVersion"), req.query().get("uid")));
    return Http.Response.json(200, ResourceWriter.json(deleted, true) + "\n");
  }

  private static Http.Response notAllowed(Http.Request req) {
    return error(new KubeStatus(405, "MethodNotAllowed", req.method() + " is not allowed on " + req.path(), List.of()));
  }

  private static Http.Response error(KubeStatus s) {
    return Http.Response.json(s.code(), s.json());
  }

  private static String reason(StoreException e) {
    return switch (e) {
      case StoreException.NotFound n -> "NotFound";
      case StoreException.AlreadyExists a -> "AlreadyExists";
      case StoreException.Conflict c -> "Conflict";
      case StoreException.ReadOnly r -> "MethodNotAllowed";
      case StoreException.Expired x -> "Expired";
      case StoreException.Unavailable u -> "ServiceUnavailable";
      default -> "Failure";
    };
  }
}
