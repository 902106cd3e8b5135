package dev.vmesh.store.kube;

import dev.vmesh.store.Blobs;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * {@code KubeBlobs} keeps the values the servers of one cluster share (the CA, the token signing key,
 * the token ledger) as Secrets in the servers' namespace: one Secret per value, named
 * {@code vmesh-blob-<first 40 hex digits of the name's SHA-256>} (blob names have characters Secret
 * names may not), with the blob's name in the annotation {@value #NAME_ANNOTATION}, the value under
 * data key {@code value}, and the label {@value #LABEL}{@code =true} to list them by. Creating a Secret
 * that exists fails on the API server, so of several replicas storing one name exactly one succeeds.
 * Private keys among the values are sealed by the caller before they get here.
 */
public final class KubeBlobs implements Blobs {
  static final String LABEL = "vmesh.dev/blob";
  static final String NAME_ANNOTATION = "vmesh.dev/blob-name";
  private static final String DATA_KEY = "value";

  private final KubernetesClient client;
  private final String namespace;

  public KubeBlobs(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  @Override
  public Optional<byte[]> get(String name) {
    Blobs.checkName(name);
    Secret s = call(() -> client.secrets().inNamespace(namespace).withName(secretName(name)).get(), "reading " + name);
    if (s == null || !name.equals(annotation(s))) {
      return Optional.empty();
    }
    String data = s.getData() == null ? null : s.getData().get(DATA_KEY);
    return Optional.of(data == null ? new byte[0] : Base64.getDecoder().decode(data));
  }

  @Override
  public boolean putIfAbsent(String name, byte[] value) {
    Blobs.checkName(name);
    Secret secret = new SecretBuilder()
        .withNewMetadata()
        .withName(secretName(name))
        .withNamespace(namespace)
        .addToLabels(LABEL, "true")
        .addToLabels("app.kubernetes.io/managed-by", "vmesh")
        .addToAnnotations(NAME_ANNOTATION, name)
        .endMetadata()
        .withType("Opaque")
        .withImmutable(true) // written once; the API server refuses changes
        .addToData(DATA_KEY, Base64.getEncoder().encodeToString(value))
        .build();
    try {
      client.secrets().inNamespace(namespace).resource(secret).create();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return false; // another replica stored it first
      }
      throw KubeErrors.map(e, "store " + name + " as Secret " + namespace + "/" + secretName(name), null);
    }
  }

  @Override
  public List<String> list(String directory) {
    TreeSet<String> names = new TreeSet<>();
    under(directory, "listing").forEach((rest, secret) -> {
      int slash = rest.indexOf('/');
      names.add(slash < 0 ? rest : rest.substring(0, slash));
    });
    return List.copyOf(names);
  }

  /** One list request for the whole directory. */
  @Override
  public SortedMap<String, byte[]> getAll(String directory) {
    SortedMap<String, byte[]> out = new TreeMap<>();
    under(directory, "reading").forEach((rest, secret) -> {
      if (rest.indexOf('/') < 0) {
        String data = secret.getData() == null ? null : secret.getData().get(DATA_KEY);
        out.put(rest, data == null ? new byte[0] : Base64.getDecoder().decode(data));
      }
    });
    return out;
  }

  /** The blob Secrets whose names are below {@code directory}, by name relative to it (one list request). */
  private Map<String, Secret> under(String directory, String doing) {
    String under = directory.isEmpty() ? "" : Blobs.checkName(directory) + "/";
    List<Secret> secrets = call(() -> client.secrets().inNamespace(namespace).withLabel(LABEL, "true").list().getItems(),
        doing + " " + (directory.isEmpty() ? "blobs" : directory));
    Map<String, Secret> out = new HashMap<>();
    for (Secret s : secrets) {
      String name = annotation(s);
      // a labelled Secret is a blob only under the name its own name was made from (no planted names)
      if (name != null && name.startsWith(under) && name.length() > under.length()
          && Blobs.NAME.matcher(name).matches() && secretName(name).equals(s.getMetadata().getName())) {
        out.put(name.substring(under.length()), s);
      }
    }
    return out;
  }

  static String secretName(String blob) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob.getBytes(StandardCharsets.UTF_8));
      return "vmesh-blob-" + HexFormat.of().formatHex(digest).substring(0, 40);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String annotation(Secret s) {
    return s.getMetadata() == null || s.getMetadata().getAnnotations() == null ? null
        : s.getMetadata().getAnnotations().get(NAME_ANNOTATION);
  }

  private <T> T call(Supplier<T> call, String what) {
    try {
      return call.get();
    } catch (KubernetesClientException e) {
      throw KubeErrors.map(e, what + " (Secrets in " + namespace + ")", null);
    }
  }

  @Override
  public String toString() {
    return "Kubernetes Secrets labelled " + LABEL + " in " + namespace;
  }
}
