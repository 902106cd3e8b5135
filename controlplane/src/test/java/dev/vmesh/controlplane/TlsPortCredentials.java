package dev.vmesh.controlplane;

import dev.vmesh.api.fuzz.Mutate;
import dev.vmesh.ca.BootstrapTokens;
import dev.vmesh.ca.CertificateAuthority;
import dev.vmesh.pki.Csrs;
import dev.vmesh.pki.KeyPairs;
import dev.vmesh.pki.Pem;
import dev.vmesh.proto.ca.IstioCertificateRequest;
import dev.vmesh.proto.ca.IstioCertificateServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * What a caller of the TLS port can present, good and bad, and the most each can prove: valid tokens
 * and a mesh certificate for ns1/sa1, a valid token for ns2/sa2; forged, mutated, expired, revoked and
 * spent tokens, odd authorization headers, no credentials, and a certificate for ns1/sa1 from another
 * CA (which the TLS handshake must refuse).
 */
final class TlsPortCredentials implements AutoCloseable {
  /** One way of calling, and the namespace it proves at most (null: none). */
  record Caller(String name, ManagedChannel channel, CallOptions options, String proves) {}

  private final TlsServer s;
  private final ManagedChannel meshCertChannel;
  private final ManagedChannel foreignCertChannel;
  private final String ns1;
  private final String ns2;
  private final String expired;
  private final String revoked;
  private final String spent;

  TlsPortCredentials(TlsServer s, Path dir) throws Exception {
    this.s = s;
    ns1 = s.token("ns1", "sa1", false);
    ns2 = s.token("ns2", "sa2", false);
    Path data = dir.resolve("data");
    expired = BootstrapTokens.open(data.resolve("tokens"), Clock.offset(Clock.systemUTC(), Duration.ofHours(-3)))
        .issue("ns1", "sa1", Duration.ofHours(1), false).jwt();
    BootstrapTokens live = BootstrapTokens.open(data.resolve("tokens"), Clock.systemUTC());
    BootstrapTokens.Token toRevoke = live.issue("ns1", "sa1", Duration.ofHours(1), false);
    live.ledger().revoke(toRevoke.id());
    revoked = toRevoke.jwt();
    spent = s.token("ns1", "sa1", true);
    KeyPair keys = KeyPairs.ecP256();
    var response = IstioCertificateServiceGrpc.newBlockingStub(s.channel)
        .withCallCredentials(TlsServer.bearer(spent)) // spends it
        .createCertificate(IstioCertificateRequest.newBuilder()
            .setCsr(Csrs.create(keys, "spiffe://cluster.local/ns/ns1/sa/sa1")).build());
    meshCertChannel = channel(dir.resolve("mesh-cert"), keys, Pem.parseCertificates(String.join("",
        response.getCertChainList())), data);
    CertificateAuthority foreign = CertificateAuthority.loadOrCreate(dir.resolve("foreign-ca"), "cluster.local",
        Clock.systemUTC());
    KeyPair foreignKeys = KeyPairs.ecP256();
    foreignCertChannel = channel(dir.resolve("foreign-cert"), foreignKeys, foreign.issue(foreignKeys.getPublic(),
        new CertificateAuthority.LeafSpec(List.of("spiffe://cluster.local/ns/ns1/sa/sa1"), List.of(), List.of(),
            Duration.ofHours(1))), data);
  }

  private ManagedChannel channel(Path dir, KeyPair keys, List<X509Certificate> chain, Path data) throws Exception {
    Files.createDirectories(dir);
    Path cert = dir.resolve("cert-chain.pem");
    Path key = dir.resolve("key.pem");
    Files.writeString(cert, Pem.certificates(chain));
    Files.writeString(key, Pem.privateKey(keys.getPrivate()));
    var creds = TlsChannelCredentials.newBuilder().keyManager(cert.toFile(), key.toFile())
        .trustManager(data.resolve("ca/root-cert.pem").toFile()).build();
    return Grpc.newChannelBuilderForAddress("127.0.0.1", s.server.xdsPort(1), creds)
        .overrideAuthority("istiod.istio-system.svc").build();
  }

  /** A caller for one input. */
  Caller pick(Random r) {
    CallOptions none = CallOptions.DEFAULT;
    return switch (r.nextInt(20)) {
      case 0, 1, 2, 3, 4, 5 -> new Caller("ns1_token", s.channel, bearer(ns1), "ns1");
      case 6, 7, 8 -> new Caller("ns1_certificate", meshCertChannel, none, "ns1");
      case 9, 10 -> new Caller("ns2_token", s.channel, bearer(ns2), "ns2");
      case 11 -> new Caller("no_credentials", s.channel, none, null);
      case 12, 13 -> new Caller("forged_token", s.channel, bearer(forged(r)), null);
      case 14 -> new Caller("dead_token", s.channel, bearer(Mutate.oneOf(r, expired, revoked, spent)),
          null);
      case 15, 16 -> oddHeader(r);
      default -> new Caller("foreign_certificate", foreignCertChannel, none, null);
    };
  }

  private static CallOptions bearer(String token) {
    return CallOptions.DEFAULT.withCallCredentials(TlsServer.bearer(token));
  }

  /**
   * A token the server did not sign: a valid one with a few characters changed (never only in bits base64
   * ignores: the last character of a part carries unused bits, and such a change leaves the very token the
   * server signed), or a forged body.
   */
  private String forged(Random r) {
    if (r.nextBoolean()) {
      String t;
      do {
        char[] c = ns1.toCharArray();
        for (int i = 1 + r.nextInt(3); i > 0; i--) {
          c[r.nextInt(c.length)] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.".charAt(r.nextInt(65));
        }
        t = new String(c);
      } while (sameBytes(t, ns1));
      return t;
    }
    String[] parts = ns1.split("\\.");
    String body = new String(Base64.getUrlDecoder().decode(parts[1])).replace("\"ns1\"", "\"ns2\"")
        .replace("sa1", "sa2");
    return parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(body.getBytes()) + "." + parts[2];
  }

  /** Whether two compact JWTs decode to the same three parts, byte for byte. */
  static boolean sameBytes(String a, String b) {
    String[] x = a.split("\\.", -1);
    String[] y = b.split("\\.", -1);
    if (x.length != 3 || y.length != 3) {
      return false;
    }
    try {
      for (int i = 0; i < 3; i++) {
        if (!Arrays.equals(Base64.getUrlDecoder().decode(x[i]), Base64.getUrlDecoder().decode(y[i]))) {
          return false;
        }
      }
      return true;
    } catch (IllegalArgumentException notBase64) {
      return false;
    }
  }

  /** Authorization headers that are not one valid bearer token (but may contain one). */
  private Caller oddHeader(Random r) {
    String header = switch (r.nextInt(7)) {
      case 0 -> "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes());
      case 1 -> "Bearer";
      case 2 -> "Bearer " + ns1 + " " + ns2;
      case 3 -> "Bearer " + "a".repeat(1 + r.nextInt(9000));
      case 4 -> "Bearer " + ns1.substring(0, ns1.length() - 1 - r.nextInt(20));
      case 5 -> "Token " + ns1;
      default -> " ";
    };
    // a header holding ns1's whole token proves ns1 at most, whatever else it holds
    // near the 8 KiB of headers the server takes (with gRPC's own headers), gRPC refuses to send it
    // (INTERNAL, on the client)
    return new Caller(header.length() > 7000 ? "oversized_header" : "odd_header", s.channel, CallOptions.DEFAULT.withCallCredentials(
        RawXdsCall.authorization(header)), header.contains(ns1) ? "ns1" : null);
  }

  @Override
  public void close() {
    meshCertChannel.shutdownNow();
    foreignCertChannel.shutdownNow();
  }
}
