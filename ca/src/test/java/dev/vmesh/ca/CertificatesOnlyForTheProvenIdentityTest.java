package dev.vmesh.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.pki.Csrs;
import dev.vmesh.pki.KeyPairs;
import dev.vmesh.pki.Pem;
import dev.vmesh.proto.ca.IstioCertificateRequest;
import dev.vmesh.proto.ca.IstioCertificateResponse;
import io.grpc.Status;
import io.grpc.StatusException;
import io.jsonwebtoken.Jwts;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificatesOnlyForTheProvenIdentityTest {
  @TempDir
  Path dir;

  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-25T12:00:00Z"));

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    void advance(Duration d) {
      now.set(now.get().plus(d));
    }
  }

  MovableClock clock;
  CertificateAuthority ca;
  BootstrapTokens tokens;
  CaService service;

  @BeforeEach
  void setUp() throws Exception {
    clock = new MovableClock();
    ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "cluster.local", clock);
    tokens = BootstrapTokens.open(dir.resolve("tokens"), clock);
    service = new CaService(ca, new Authenticator("cluster.local", tokens));
  }

  static IstioCertificateRequest request(String csr, long ttlSeconds) {
    return IstioCertificateRequest.newBuilder().setCsr(csr).setValidityDuration(ttlSeconds).build();
  }

  static String csr(String uri) {
    return Csrs.create(KeyPairs.ecP256(), uri);
  }

  static X509Certificate leaf(IstioCertificateResponse r) {
    return Pem.parseCertificates(r.getCertChain(0)).get(0);
  }

  static Status.Code code(ThrowingCall call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusException e) {
      return e.getStatus().getCode();
    }
  }

  interface ThrowingCall {
    void run() throws StatusException;
  }

  @Test
  void aTokenGetsACertificateForItsOwnIdentityWithTheChainToTheRoot() throws Exception {
    String token = tokens.issue("ns1", "sa1", Duration.ofHours(1), false).jwt();
    IstioCertificateResponse r = service.issue(request(csr("spiffe://cluster.local/ns/ns1/sa/sa1"), 0), null, token);
    X509Certificate leaf = leaf(r);
    assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, "spiffe://cluster.local/ns/ns1/sa/sa1"));
    assertThat(Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()))
        .isEqualTo(Duration.ofHours(24).plusMinutes(1));
    assertThat(r.getCertChainCount()).isEqualTo(2);
    X509Certificate root = Pem.parseCertificates(r.getCertChain(1)).get(0);
    leaf.verify(root.getPublicKey());
    assertThat(root).isEqualTo(ca.roots().get(0));

    // a CSR without any SAN gets the proven identity too
    X509Certificate plain = leaf(service.issue(request(Csrs.create(KeyPairs.ecP256(), "spiffe://cluster.local/ns/ns1/sa/sa1"), 3600), null, token));
    assertThat(plain.getSubjectAlternativeNames()).containsExactly(List.of(6, "spiffe://cluster.local/ns/ns1/sa/sa1"));
  }

  @Test
  void aCsrAskingForAnotherIdentityIsRefused() {
    String token = tokens.issue("ns1", "sa1", Duration.ofHours(1), false).jwt();
    assertThatThrownBy(() -> service.issue(request(csr("spiffe://cluster.local/ns/ns1/sa/sa2"), 0), null, token))
        .isInstanceOf(StatusException.class)
        .hasMessageContaining("PERMISSION_DENIED: csr asks for spiffe://cluster.local/ns/ns1/sa/sa2 but the caller "
            + "is proven to be spiffe://cluster.local/ns/ns1/sa/sa1");
    assertThat(code(() -> service.issue(request(csr("spiffe://cluster.local/ns/ns2/sa/sa1"), 0), null, token)))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void badTokensAreRefusedWithTheReason() throws Exception {
    String ok = csr("spiffe://cluster.local/ns/ns1/sa/sa1");
    var expired = tokens.issue("ns1", "sa1", Duration.ofMinutes(10), false);
    var revoked = tokens.issue("ns1", "sa1", Duration.ofHours(1), false);
    assertThat(tokens.ledger().revoke(revoked.id())).isTrue();
    String valid = tokens.issue("ns1", "sa1", Duration.ofHours(1), false).jwt();
    String tampered = valid.substring(0, valid.indexOf('.') + 5) + (valid.charAt(valid.indexOf('.') + 5) == 'A' ? 'B' : 'A')
        + valid.substring(valid.indexOf('.') + 6);
    var signing = Pem.parsePrivateKey(Files.readString(dir.resolve("tokens/signing-key.pem")));
    String wrongAudience = Jwts.builder().issuer("vmesh").audience().add("istio-ca").and().id("0".repeat(32))
        .expiration(Date.from(clock.instant().plusSeconds(7200))).claim("ns", "ns1").claim("sa", "sa1")
        .claim("single_use", false).signWith(signing, Jwts.SIG.ES256).compact();
    KeyPair other = KeyPairs.ecP256();
    String foreign = Jwts.builder().issuer("vmesh").audience().add("vmesh-ca").and().id("1".repeat(32))
        .expiration(Date.from(clock.instant().plusSeconds(7200))).claim("ns", "ns1").claim("sa", "sa1")
        .claim("single_use", false).signWith(other.getPrivate(), Jwts.SIG.ES256).compact();
    clock.advance(Duration.ofMinutes(20));

    assertThatThrownBy(() -> service.issue(request(ok, 0), null, expired.jwt())).hasMessageContaining(
        "UNAUTHENTICATED: bootstrap token " + expired.id() + " for ns1/sa1 expired at")
        .hasMessageContaining("vmesh token create -n ns1 -s sa1");
    assertThatThrownBy(() -> service.issue(request(ok, 0), null, revoked.jwt())).hasMessageContaining(
        "UNAUTHENTICATED: bootstrap token " + revoked.id() + " for ns1/sa1 was revoked")
        .hasMessageContaining("vmesh token create -n ns1 -s sa1");
    assertThatThrownBy(() -> service.issue(request(ok, 0), null, wrongAudience)).hasMessageContaining(
        "UNAUTHENTICATED: bootstrap token has the wrong aud");
    assertThatThrownBy(() -> service.issue(request(ok, 0), null, tampered)).hasMessageContaining(
        "UNAUTHENTICATED: bootstrap token is not valid");
    assertThatThrownBy(() -> service.issue(request(ok, 0), null, foreign)).hasMessageContaining(
        "UNAUTHENTICATED: bootstrap token is not valid");
    assertThatThrownBy(() -> service.issue(request(ok, 0), null, "garbage.garbage.garbage")).hasMessageContaining(
        "UNAUTHENTICATED");
    assertThatThrownBy(() -> service.issue(request(ok, 0), null, null)).hasMessageContaining(
        "UNAUTHENTICATED: no credentials");
  }

  @Test
  void singleUseTokensWorkOnce() throws Exception {
    String once = tokens.issue("ns1", "sa1", Duration.ofHours(1), true).jwt();
    service.issue(request(csr("spiffe://cluster.local/ns/ns1/sa/sa1"), 0), null, once);
    assertThatThrownBy(() -> service.issue(request(csr("spiffe://cluster.local/ns/ns1/sa/sa1"), 0), null, once))
        .hasMessageContaining("is single-use and was already used");
  }

  @Test
  void malformedCsrsAndTtlLimits() throws Exception {
    String token = tokens.issue("ns1", "sa1", Duration.ofHours(1), false).jwt();
    assertThatThrownBy(() -> service.issue(request("not a csr", 0), null, token))
        .hasMessageContaining("INVALID_ARGUMENT: csr is not a PEM CERTIFICATE REQUEST");
    String certPem = Pem.certificates(ca.roots());
    assertThatThrownBy(() -> service.issue(request(certPem, 0), null, token))
        .hasMessageContaining("INVALID_ARGUMENT: csr is not a PEM CERTIFICATE REQUEST (found CERTIFICATE)");
    String weak = Csrs.create(KeyPairs.rsa(1024), "spiffe://cluster.local/ns/ns1/sa/sa1");
    assertThatThrownBy(() -> service.issue(request(weak, 0), null, token))
        .hasMessageContaining("csr key is RSA-1024; at least 2048 bits are required");
    String good = csr("spiffe://cluster.local/ns/ns1/sa/sa1");
    assertThatThrownBy(() -> service.issue(request(good.strip() + "f\n", 0), null, token))
        .hasMessageContaining("INVALID_ARGUMENT: csr must be exactly one PEM block");
    assertThatThrownBy(() -> service.issue(request(good + good, 0), null, token))
        .hasMessageContaining("INVALID_ARGUMENT: csr must be exactly one PEM block");
    byte[] der = Base64.getMimeDecoder().decode(good.substring(good.indexOf('\n') + 1,
        good.lastIndexOf("-----END")));
    der[der.length - 5] ^= 0x01; // inside the signature
    String badSignature = "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder().encodeToString(der)
        + "\n-----END CERTIFICATE REQUEST-----\n";
    assertThatThrownBy(() -> service.issue(request(badSignature, 0), null, token))
        .hasMessageContaining("INVALID_ARGUMENT: csr");
    byte[] ber = Base64.getMimeDecoder().decode(good.substring(good.indexOf('\n') + 1,
        good.lastIndexOf("-----END")));
    for (int i = 0; i + 2 < ber.length; i++) {
      if (ber[i] == 0x01 && ber[i + 1] == 0x01 && ber[i + 2] == (byte) 0xFF) { // BOOLEAN TRUE
        ber[i + 2] = 0x01; // still TRUE in BER, not DER
        break;
      }
    }
    String nonDer = "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder().encodeToString(ber)
        + "\n-----END CERTIFICATE REQUEST-----\n";
    assertThatThrownBy(() -> service.issue(request(nonDer, 0), null, token))
        .hasMessageContaining("INVALID_ARGUMENT: csr is not DER-encoded");

    X509Certificate ninety = leaf(service.issue(request(good, Duration.ofDays(90).toSeconds()), null, token));
    assertThat(ninety.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofDays(90)));
    assertThatThrownBy(() -> service.issue(request(good, Duration.ofDays(91).toSeconds()), null, token))
        .hasMessageContaining("INVALID_ARGUMENT: requested TTL 2184h is greater than the max allowed TTL 90 days");
  }

  @Test
  void renewalWithTheCertificateWorksAfterTheTokenExpiredUntilTheTokenIsRevoked() throws Exception {
    var token = tokens.issue("ns1", "sa1", Duration.ofHours(1), true);
    X509Certificate first = leaf(service.issue(request(csr("spiffe://cluster.local/ns/ns1/sa/sa1"), 0), null,
        token.jwt()));
    assertThat(CertificateAuthority.originToken(first)).isEqualTo(token.id());
    assertEveryOidArcFitsIn31Bits(first);
    clock.advance(Duration.ofHours(12)); // the token is long expired
    X509Certificate renewed = leaf(service.issue(request(csr("spiffe://cluster.local/ns/ns1/sa/sa1"), 0),
        new X509Certificate[] {first}, null));
    assertThat(renewed.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
    assertThat(CertificateAuthority.originToken(renewed)).isEqualTo(token.id());
    X509Certificate again = leaf(service.issue(request(csr("spiffe://cluster.local/ns/ns1/sa/sa1"), 0),
        new X509Certificate[] {renewed}, null));
    assertThat(again).isNotNull();

    tokens.ledger().revoke(token.id());
    assertThatThrownBy(() -> service.issue(request(csr("spiffe://cluster.local/ns/ns1/sa/sa1"), 0),
        new X509Certificate[] {again}, null)).hasMessageContaining("PERMISSION_DENIED: client certificate descends "
            + "from bootstrap token " + token.id() + ", which was revoked");
  }

  @Test
  void aCertificateFromAnotherTrustDomainIsRefused() throws Exception {
    CertificateAuthority other = CertificateAuthority.loadOrCreate(dir.resolve("other"), "other.local", clock);
    X509Certificate foreign = other.issue(KeyPairs.ecP256().getPublic(), new CertificateAuthority
        .LeafSpec(List.of("spiffe://other.local/ns/ns1/sa/sa1"), List.of(), List.of(), Duration.ofHours(1))).get(0);
    assertThatThrownBy(() -> service.issue(request(csr("spiffe://other.local/ns/ns1/sa/sa1"), 0),
        new X509Certificate[] {foreign}, null)).hasMessageContaining("PERMISSION_DENIED: client certificate is for "
            + "trust domain other.local");
  }

  /**
   * Go's crypto/x509 refuses a certificate with an OID arc over 31 bits in an extension or a name, so
   * Go programs (Istio's pilot-agent) could not load vmesh's token-issued certificates when the token id
   * had an extension under 2.25.
   */
  private static void assertEveryOidArcFitsIn31Bits(X509Certificate cert) throws Exception {
    List<String> oids = new ArrayList<>();
    oids.addAll(cert.getCriticalExtensionOIDs());
    oids.addAll(cert.getNonCriticalExtensionOIDs());
    for (RDN rdn : X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()).getRDNs()) {
      oids.add(rdn.getFirst().getType().getId());
    }
    for (String oid : oids) {
      for (String arc : oid.split("\\.")) {
        assertThat(new BigInteger(arc).bitLength()).as("arc %s of %s", arc, oid).isLessThanOrEqualTo(31);
      }
    }
  }

  @Test
  void aCertificateIssuedBeforeTheOriginMovedStillNamesItsTokenSoRevokingItStillRefusesRenewals() throws Exception {
    var token = tokens.issue("ns1", "sa1", Duration.ofHours(1), false);
    KeyPair keys = KeyPairs.ecP256();
    var b = new JcaX509v3CertificateBuilder(new X500Name("CN=old"), BigInteger.ONE, Date.from(clock.instant()),
        Date.from(clock.instant().plus(Duration.ofHours(24))), new X500Name(""), keys.getPublic());
    b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(new GeneralName(
        GeneralName.uniformResourceIdentifier, "spiffe://cluster.local/ns/ns1/sa/sa1")));
    b.addExtension(CertificateAuthority.LEGACY_TOKEN_ORIGIN, false, new DERUTF8String(token.id()));
    X509Certificate old = new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    assertThat(CertificateAuthority.originToken(old)).isEqualTo(token.id());
  }
}
