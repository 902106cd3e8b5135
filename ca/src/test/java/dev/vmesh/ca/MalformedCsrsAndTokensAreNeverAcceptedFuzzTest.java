package dev.vmesh.ca;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.pki.Csrs;
import dev.vmesh.pki.KeyPairs;
import dev.vmesh.proto.ca.IstioCertificateRequest;
import io.grpc.StatusException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 random and mutated CSRs and tokens: none is accepted, and every refusal is a gRPC status (no
 * other exception escapes).
 */
class MalformedCsrsAndTokensAreNeverAcceptedFuzzTest {
  @TempDir
  Path dir;

  @Test
  void tenThousandBadInputs() throws Exception {
    Clock clock = Clock.systemUTC();
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "cluster.local", clock);
    BootstrapTokens tokens = BootstrapTokens.open(dir.resolve("tokens"), clock);
    CaService service = new CaService(ca, new Authenticator("cluster.local", tokens));
    String goodToken = tokens.issue("ns1", "sa1", Duration.ofHours(1), false).jwt();
    String goodCsr = Csrs.create(KeyPairs.ecP256(), "spiffe://cluster.local/ns/ns1/sa/sa1");
    Random random = new Random(20261125);
    int accepted = 0;
    int same = 0;
    for (int i = 0; i < 10_000; i++) {
      String csr = goodCsr;
      String token = goodToken;
      switch (i % 4) {
        case 0 -> token = mutate(goodToken, random); // a mutated token with a good CSR
        case 1 -> csr = mutate(goodCsr, random); // a mutated CSR with a good token
        case 2 -> token = randomJwtShape(random);
        default -> csr = randomPem(random);
      }
      if (decodesTo(token, goodToken) && decodesTo(csr, goodCsr)) {
        same++; // the mutation hit bits base64 ignores: this is the original request, byte for byte
        continue;
      }
      try {
        service.issue(IstioCertificateRequest.newBuilder().setCsr(csr).build(), null, token);
        accepted++;
      } catch (StatusException expected) {
        assertThat(expected.getStatus().getDescription()).isNotBlank();
      }
    }
    assertThat(accepted).as("different inputs accepted").isZero();
    assertThat(same).isLessThan(200);
  }

  /** Whether two PEM or JWT strings carry the same bytes once decoded (and so are the same input). */
  private static boolean decodesTo(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    try {
      if (b.startsWith("-----")) {
        return a.startsWith("-----BEGIN CERTIFICATE REQUEST-----\n") && a.endsWith("-----END CERTIFICATE REQUEST-----\n")
            && java.util.Arrays.equals(pemBytes(a), pemBytes(b));
      }
      String[] pa = a.split("\\.", -1);
      String[] pb = b.split("\\.", -1);
      if (pa.length != 3 || pb.length != 3) {
        return false;
      }
      for (int i = 0; i < 3; i++) {
        if (!java.util.Arrays.equals(Base64.getUrlDecoder().decode(pa[i]), Base64.getUrlDecoder().decode(pb[i]))
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
