package dev.vmesh.api.fuzz;

import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.ResourceWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Config text for the codec fuzzer: valid objects of every kind (YAML, JSON, multi-document, List),
 * mutated, and hostile shapes made on purpose (deep nesting, alias bombs, values around the size limit,
 * random trees of the schema's own field names). Shapes over a limit say which one, so that accepting
 * them counts as a forgery. The admin API fuzzer sends the same texts as request bodies.
 */
public record ConfigTexts(List<String> yamlSeeds, List<String> jsonSeeds) {

  /**
   * One generated text.
   *
   * @param name the file name the text is parsed as ({@code .json} picks JSON)
   * @param overLimit the limit the text breaks for certain, or null
   */
  public record Input(String name, String text, String overLimit) {}

  static final String SEEDS = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata:
        name: svc1
        namespace: ns1
        labels: {app: foo, example.com/tier: web}
        annotations: {note: "multi\\nline"}
      spec:
        hosts: [svc1.internal.com, "*.svc1.example.com"]
        addresses: [10.0.0.1, 10.1.0.0/16]
        ports:
        - {number: 80, name: http, protocol: HTTP, targetPort: 9090}
        - {number: 443, name: tls, protocol: TLS}
        location: MESH_INTERNAL
        resolution: STATIC
        endpoints:
        - {address: 1.1.1.1, ports: {http: 9090}, labels: {v: "1"}, network: nw1, locality: r/z/s, weight: 7, serviceAccount: sa}
        exportTo: [".", ns2]
        subjectAltNames: ["spiffe://cluster.local/ns/ns1/sa/sa"]
      ---
      apiVersion: networking.istio.io/v1beta1
      kind: ServiceEntry
      metadata: {name: auto, namespace: ns1}
      spec:
        hosts: [auto.internal]
        ports: [{number: 80, name: http}]
        resolution: DNS
        workloadSelector: {labels: {app: foo}}
      status:
        addresses: [{value: 240.240.0.1, host: auto.internal}]
        observedGeneration: 3
        conditions: [{type: Ready, status: "True", lastTransitionTime: "2026-01-02T03:04:05Z", reason: Why, message: msg}]
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata:
        name: vm1
        namespace: ns1
        ownerReferences:
        - {apiVersion: networking.istio.io/v1, kind: WorkloadGroup, name: g, uid: u1, controller: true}
        creationTimestamp: "2026-01-02T03:04:05Z"
        resourceVersion: "42"
        generation: 2
      spec:
        address: 1.1.1.1
        ports: {http: 8080}
        labels: {app: foo}
        serviceAccount: my-vm
        weight: 3
      ---
      apiVersion: networking.istio.io/v1alpha3
      kind: WorkloadGroup
      metadata: {name: python-http, namespace: vm}
      spec:
        metadata:
          labels: {app: python-http}
          annotations: {a: b}
        template: {serviceAccount: my-vm, network: nw, ports: {http: 9090}}
        probe:
          periodSeconds: 5
          timeoutSeconds: 2
          httpGet: {path: /ready, port: 9090, scheme: HTTPS, httpHeaders: [{name: X-Check, value: "1"}]}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: tcp, namespace: vm}
      spec:
        template: {}
        probe: {tcpSocket: {port: 22}, failureThreshold: 3}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: exec, namespace: vm}
      spec:
        template: {}
        probe: {exec: {command: [/bin/true, "-x"]}}
      ---
      apiVersion: v1
      kind: List
      items:
      - {apiVersion: networking.istio.io/v1, kind: WorkloadEntry, metadata: {name: a, namespace: b}, spec: {address: 2.2.2.2}}
      - {apiVersion: apps/v1, kind: Deployment, metadata: {name: other}}
      """;

  /** An onboarding {@code mesh.yaml}, which the agent reads with the same parser. */
  static final String MESH_CONFIG = """
      defaultConfig:
        discoveryAddress: vmesh.example.com:15012,10.0.0.2:15012
        proxyMetadata: {ISTIO_META_DNS_CAPTURE: "true", ISTIO_META_AUTO_REGISTER_GROUP: web}
        readinessProbe: {httpGet: {path: /, port: 9090}, periodSeconds: 5}
        statusPort: 15020
        tracing: {zipkin: {address: z:9411}}
      """;

  /** Tokens the mutator splices in: YAML's syntax, its odd scalars, and the schema's keys. */
  static final List<String> DICTIONARY = List.of("&a ", "*a", "<<: *a\n", "!!binary ", "!!str ", "!tag ", "---\n",
      "...\n", "[", "]", "{", "}", "\"", "'", "|\n", ">-\n", "? ", "- ", ": ", "#", "%YAML 1.1\n", "\t", "\u0000",
      "\uFEFF", "\\u0000", "null", "~", ".inf", "-.nan", "0x1F", "0o17", "1e400", "-0", "99999999999999999999",
      "2026-01-01", "yes", "On", "\"\\ud800\"", "\u2028", "\r\n", "@", "`", ",", "kind: List\nitems: ",
      "apiVersion: ", "kind: ", "metadata: ", "name: ", "namespace: ", "labels: ", "annotations: ", "spec: ",
      "hosts: ", "ports: ", "number: ", "targetPort: ", "address: ", "weight: ", "status: ", "items: ",
      "ownerReferences: ", "probe: ", "httpGet: ", "exec: ", "command: ", "-1", "65536", "4294967296", "x".repeat(64),
      "*.", "spiffe://", "/32", "::1", "unix:///tmp/s", "networking.istio.io/v1");

  static final List<String> FIELDS = List.of("apiVersion", "kind", "metadata", "name", "namespace", "labels",
      "annotations", "spec", "status", "hosts", "addresses", "ports", "number", "protocol", "targetPort", "location",
      "resolution", "endpoints", "address", "network", "locality", "weight", "serviceAccount", "exportTo",
      "workloadSelector", "subjectAltNames", "template", "probe", "httpGet", "tcpSocket", "exec", "command", "path",
      "port", "items", "ownerReferences", "conditions", "defaultConfig", "proxyMetadata", "discoveryAddress");

  static final List<String> VALUES = List.of("networking.istio.io/v1", "ServiceEntry", "WorkloadEntry",
      "WorkloadGroup", "List", "ns1", "a", "1.1.1.1", "80", "-1", "0", "70000", "true", "null", "STATIC", "DNS",
      "MESH_INTERNAL", "HTTP", "x.internal", "*.x", "", "\"quoted\"", "2026-01-01T00:00:00Z", "[]", "{}");

  /** The seeds, in YAML (one object per entry) and as the JSON the writer makes of them. */
  public static ConfigTexts create() {
    List<String> yaml = new ArrayList<>();
    List<String> json = new ArrayList<>();
    for (String doc : SEEDS.split("(?m)^---\n")) {
      yaml.add(doc);
      for (Resource r : ResourceDecoder.decode("seed.yaml", doc).resources()) {
        json.add(ResourceWriter.json(r, false));
        json.add(ResourceWriter.json(r, true));
      }
    }
    yaml.add(SEEDS);
    yaml.add(MESH_CONFIG);
    return new ConfigTexts(List.copyOf(yaml), List.copyOf(json));
  }

  /** One input: mostly mutated seeds, the rest hostile shapes. */
  public Input next(Random r) {
    int kind = r.nextInt(20);
    if (kind < 3) {
      return new Input("v.yaml", swapValues(r, yamlSeeds.get(r.nextInt(yamlSeeds.size()))), null);
    }
    if (kind < 8) {
      return new Input("m.yaml", Mutate.text(r, yamlSeeds.get(r.nextInt(yamlSeeds.size())), DICTIONARY, 3), null);
    }
    if (kind < 11) {
      return new Input("m.json", Mutate.text(r, jsonSeeds.get(r.nextInt(jsonSeeds.size())), DICTIONARY, 2), null);
    }
    if (kind < 13) {
      return new Input(r.nextBoolean() ? "t.yaml" : "t.json", HostileYaml.randomTree(r), null);
    }
    return switch (kind) {
      case 13, 14 -> HostileYaml.deepNesting(r);
      case 15, 16 -> HostileYaml.aliasBomb(r);
      case 17 -> HostileYaml.hugeValue(r);
      case 18 -> HostileYaml.manyDocuments(r);
      default -> new Input("junk.yaml", HostileYaml.junk(r), null);
    };
  }

  /** Odd but well-formed values: at and past length limits, other scripts, other types, edge numbers. */
  static final List<String> ODD_VALUES = List.of("a".repeat(63), "a".repeat(64), "a".repeat(253), "a".repeat(254),
      "\"" + "b.".repeat(127) + "c\"", "\"\"", "\"-a\"", "A", "\"a_b.c\"", "\"ünï\"", "\"a b\"", "\"a/b\"",
      "\"*\"", "\"*.a\"", "\"1.2.3.4/33\"", "\"::ffff:1.2.3.4\"", "\"unix:///a\"", "0", "65535", "65536", "-1",
      "4294967295", "4294967296", "9223372036854775808", "1.5", "true", "null", "[]", "{}", "[a, b]", "{a: b}",
      "\"spiffe://x/ns/a/sa/b\"", "\"2026-13-01T00:00:00Z\"", "\"" + "x".repeat(300) + "\"");

  /** {@code yaml} with one to three values after {@code ": "} replaced by odd ones; the structure stays. */
  public static String swapValues(Random r, String yaml) {
    String out = yaml;
    int swaps = 1 + r.nextInt(3);
    for (int i = 0; i < swaps; i++) {
      Matcher m = Pattern.compile(": ([^\\s{\\[,}\\]][^,}\\]\\n]*)").matcher(out);
      List<int[]> spots = new ArrayList<>();
      while (m.find()) {
        spots.add(new int[] {m.start(1), m.end(1)});
      }
      if (spots.isEmpty()) {
        break;
      }
      int[] at = spots.get(r.nextInt(spots.size()));
      out = out.substring(0, at[0]) + ODD_VALUES.get(r.nextInt(ODD_VALUES.size())) + out.substring(at[1]);
    }
    return out;
  }

  /** An object of a random kind wrapped around {@code inner} at field {@code field} (one nesting level). */
  static String objectAround(Random r, String field, String inner) {
    return "apiVersion: networking.istio.io/v1\nkind: " + Mutate.oneOf(r, "ServiceEntry", "WorkloadEntry",
        "WorkloadGroup") + "\nmetadata: {name: a, namespace: ns1}\n" + field + ": " + inner + "\n";
  }
}
