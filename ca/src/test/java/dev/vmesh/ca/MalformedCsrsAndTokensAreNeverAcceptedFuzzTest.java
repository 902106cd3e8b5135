package dev.vmesh.ca;

import dev.vmesh.api.fuzz.FuzzBudget;
import dev.vmesh.api.fuzz.FuzzRun;
import dev.vmesh.pki.Csrs;
import dev.vmesh.pki.KeyPairs;
import dev.vmesh.pki.Pem;
import dev.vmesh.proto.ca.IstioCertificateRequest;
import dev.vmesh.proto.ca.IstioCertificateResponse;
import io.grpc.StatusException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CSRs and tokens through {@link CaService} and {@link Authenticator}: random and mutated tokens and CSRs,
 * tokens the server did not sign (another key, {@code alg: none}, HMAC with the server's public key, a
 * borrowed signature), expired, revoked and spent tokens, a valid token of another namespace, CSRs for
 * other identities or several at once, signed by a key they do not carry, or with a weak key. None may
 * get a certificate, every refusal is a gRPC status with a reason, and the valid requests mixed in (own
 * identity, any lifetime up to the maximum) get a certificate for exactly the token's identity.
 */
@Tag("fuzz")
class MalformedCsrsAndTokensAreNeverAcceptedFuzzTest {
  static final String OWN = "spiffe://cluster.local/ns/ns1/sa/sa1";

  @TempDir
  Path dir;

  @Test
  void onlyTheTokensOwnIdentityEverGetsACertificate() throws Exception {
    Clock clock = Clock.systemUTC();
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "cluster.local", clock);
    BootstrapTokens tokens = BootstrapTokens.open(dir.resolve("tokens"), clock);
    BootstrapTokens past = BootstrapTokens.open(dir.resolve("tokens"), Clock.offset(clock, Duration.ofHours(-3)));
    CaService service = new CaService(ca, new Authenticator("cluster.local", tokens));
    String goodToken = tokens.issue("ns1", "sa1", Duration.ofHours(1), false).jwt();
    String otherNamespace = tokens.issue("ns2", "sa2", Duration.ofHours(1), false).jwt();
    String expired = past.issue("ns1", "sa1", Duration.ofHours(1), false).jwt();
    BootstrapTokens.Token revoked = tokens.issue("ns1", "sa1", Duration.ofHours(1), false);
    tokens.ledger().revoke(revoked.id());
    HostileCredentials hostile = new HostileCredentials(Pem.parsePublicKey(
        Files.readString(dir.resolve("tokens/signing-key.pub.pem"))));
    List<KeyPair> keys = List.of(KeyPairs.ecP256(), KeyPairs.ecP256(), KeyPairs.ecP256());
    String goodCsr = Csrs.create(keys.get(0), OWN);

    try (FuzzRun run = FuzzRun.start("ca", FuzzBudget.of(2_000, 1_000_000))) {
      while (run.next()) {
        run.baselineAfter(300);
        Random r = run.random();
        KeyPair key = keys.get(r.nextInt(keys.size()));
        String csr = goodCsr;
        String token = goodToken;
        long ttl = 0;
        boolean legit = false;
        switch (r.nextInt(12)) {
          case 0 -> token = mutate(goodToken, r);
          case 1 -> csr = mutate(goodCsr, r);
          case 2 -> token = randomJwtShape(r);
          case 3 -> csr = randomPem(r);
          case 4, 5 -> token = hostile.forgedToken(r);
          case 6 -> token = r.nextBoolean() ? expired : revoked.jwt();
          case 7 -> csr = Csrs.create(key, HostileCredentials.OTHER_IDENTITIES.get(
              r.nextInt(HostileCredentials.OTHER_IDENTITIES.size())));
          case 8 -> {
            token = otherNamespace;
            csr = Csrs.create(key, OWN); // ns2's token, asking for ns1
          }
          case 9 -> csr = hostile.foreignCsr(r, key, OWN);
          case 10 -> { // a single-use token: its first use is valid, its second is not
            String once = tokens.issue("ns1", "sa1", Duration.ofMinutes(5), true).jwt();
            request(run, service, Csrs.create(key, OWN), once, 0, true);
            token = once;
          }
          default -> { // the request a VM makes, with any lifetime
            csr = Csrs.create(key, OWN);
            ttl = r.nextInt(4) == 0 ? r.nextLong(-5, Duration.ofDays(200).toSeconds()) : 0;
            legit = ttl <= CaService.MAX_TTL.toSeconds();
          }
        }
        if (!legit && decodesTo(token, goodToken) && decodesTo(csr, goodCsr)) {
          run.outcome("same_bytes"); // the mutation hit bits base64 ignores: the original request again
          continue;
        }
        request(run, service, csr, token, ttl, legit);
      }
      run.finish(16L << 20);
    }
  }

  /** One request; counts a certificate where none is due (or for another identity) as a forgery. */
  private static void request(FuzzRun run, CaService service, String csr, String token, long ttl, boolean legit) {
    String input = "token=" + token + " ttl=" + ttl + " csr=" + csr;
    try {
      Instant before = Instant.now();
      IstioCertificateResponse response = service.issue(IstioCertificateRequest.newBuilder().setCsr(csr)
          .setValidityDuration(ttl).build(), null, token);
      X509Certificate leaf = Pem.parseCertificates(response.getCertChain(0)).get(0);
      List<String> uris = leaf.getSubjectAlternativeNames().stream().filter(n -> n.get(0).equals(6))
          .map(n -> (String) n.get(1)).toList();
      if (!legit) {
        run.forgery(input, "a certificate for " + uris + " was issued");
      } else if (!uris.equals(List.of(OWN))) {
        run.forgery(input, "a certificate for " + uris + " was issued to a token for " + OWN);
      } else if (leaf.getNotAfter().toInstant().isAfter(before.plusSeconds(ttl > 0 ? ttl + 5
          : CaService.DEFAULT_TTL.toSeconds() + 5))) {
        run.wrong(input, "the certificate lasts until " + leaf.getNotAfter().toInstant() + ", longer than asked");
      }
      run.outcome("issued");
    } catch (StatusException e) {
      if (legit) {
        run.wrong(input, "a valid request was refused: " + e.getStatus());
      } else if (e.getStatus().getDescription() == null || e.getStatus().getDescription().isBlank()) {
        run.wrong(input, "refused without a reason: " + e.getStatus());
      }
      run.outcome(RefusedException.reasonOf(e));
    } catch (Exception e) {
      run.crash(input, e);
    }
  }

  /** Whether two PEM or JWT strings carry the same bytes once decoded (and so are the same input). */
  private static boolean decodesTo(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    try {
      if (b.startsWith("-----")) {
        return a.startsWith("-----BEGIN CERTIFICATE REQUEST-----\n") && a.endsWith("-----END CERTIFICATE REQUEST-----\n")
            && Arrays.equals(pemBytes(a), pemBytes(b));
      }
      String[] pa = a.split("\\.", -1);
      String[] pb = b.split("\\.", -1);
      if (pa.length != 3 || pb.length != 3) {
        return false;
      }
      for (int i = 0; i < 3; i++) {
        if (!Arrays.equals(Base64.getUrlDecoder().decode(pa[i]), Base64.getUrlDecoder().decode(pb[i]))
            || pa[i].length() != pb[i].length()) {
          return false;
        }
      }
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static byte[] pemBytes(String pem) {
    return Base64.getMimeDecoder().decode(pem.substring(pem.indexOf('\n') + 1, pem.lastIndexOf("-----END")));
  }

  private static String mutate(String s, Random r) {
    char[] c = s.toCharArray();
    int flips = 1 + r.nextInt(4);
    for (int i = 0; i < flips; i++) {
      int at = r.nextInt(c.length);
      c[at] = (char) (33 + r.nextInt(94));
    }
    return new String(c);
  }

  private static String randomJwtShape(Random r) {
    Base64.Encoder enc = Base64.getUrlEncoder().withoutPadding();
    byte[] a = new byte[r.nextInt(64)];
    byte[] b = new byte[r.nextInt(256)];
    byte[] c = new byte[r.nextInt(96)];
    r.nextBytes(a);
    r.nextBytes(b);
    r.nextBytes(c);
    String[] headers = {"{\"alg\":\"none\"}", "{\"alg\":\"ES256\"}", "{\"alg\":\"HS256\"}", ""};
    String head = r.nextBoolean() ? enc.encodeToString(headers[r.nextInt(headers.length)].getBytes()) : enc.encodeToString(a);
    return head + "." + enc.encodeToString(b) + "." + enc.encodeToString(c);
  }

  private static String randomPem(Random r) {
    byte[] body = new byte[r.nextInt(600)];
    r.nextBytes(body);
    return "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder().encodeToString(body)
        + "\n-----END CERTIFICATE REQUEST-----\n";
  }
}
