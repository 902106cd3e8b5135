package dev.vmesh.ca;

import dev.vmesh.pki.KeyPairs;
import dev.vmesh.pki.Pem;
import dev.vmesh.store.Blobs;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code CertificateAuthority} holds the signing certificate and key of the mesh and issues leaf
 * certificates. Its files use Istio's names in one directory: {@code ca-cert.pem}, {@code ca-key.pem}
 * (mode 0600), {@code cert-chain.pem} (the CA's chain up to, not including, the root) and
 * {@code root-cert.pem} (the trust bundle: one or more roots). A self-signed ECDSA P-256 root is created
 * on first start when the directory is empty.
 */
public final class CertificateAuthority {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateAuthority.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Root lifetime when vmesh creates it. */
  static final Duration ROOT_TTL = Duration.ofDays(3650);

  private final X509Certificate caCert;
  private final PrivateKey caKey;
  private final List<X509Certificate> caChain;
  private final List<X509Certificate> roots;
  private final Clock clock;

  private CertificateAuthority(X509Certificate caCert, PrivateKey caKey, List<X509Certificate> caChain,
      List<X509Certificate> roots, Clock clock) {
    this.caCert = caCert;
    this.caKey = caKey;
    this.caChain = List.copyOf(caChain);
    this.roots = List.copyOf(roots);
    this.clock = clock;
  }

  /** Loads the CA from {@code dir}, creating a self-signed root there first if the directory has none. */
  public static CertificateAuthority loadOrCreate(Path dir, String trustDomain, Clock clock) throws IOException {
    return loadOrCreate(dir, trustDomain, KeyType.EC_P256, clock);
  }

  /** The key type of a root vmesh creates. */
  public enum KeyType {
    EC_P256,
    RSA_2048,
    RSA_4096
  }

  public static CertificateAuthority loadOrCreate(Path dir, String trustDomain, KeyType keyType, Clock clock)
      throws IOException {
    if (!Files.exists(dir.resolve("ca-cert.pem"))) {
      createRoot(dir, trustDomain, keyType, clock);
    }
    return load(dir, clock);
  }

  /** Loads a CA (self-signed or plugged in) from Istio's file names in {@code dir}. */
  public static CertificateAuthority load(Path dir, Clock clock) throws IOException {
    X509Certificate cert = Pem.parseCertificates(Files.readString(dir.resolve("ca-cert.pem"))).get(0);
    PrivateKey key = Pem.parsePrivateKey(Files.readString(dir.resolve("ca-key.pem")));
    Path chainFile = dir.resolve("cert-chain.pem");
    List<X509Certificate> chain = Files.exists(chainFile) && Files.size(chainFile) > 0
        ? Pem.parseCertificates(Files.readString(chainFile)) : List.of();
    List<X509Certificate> roots = Pem.parseCertificates(Files.readString(dir.resolve("root-cert.pem")));
    return new CertificateAuthority(cert, key, chain, roots, clock);
  }

  private static void createRoot(Path dir, String trustDomain, KeyType keyType, Clock clock) throws IOException {
    Root root = newRoot(trustDomain, keyType, clock);
    Pem.writeAtomically(dir.resolve("ca-key.pem"), Pem.privateKey(root.key()), "rw-------");
    Pem.writeAtomically(dir.resolve("root-cert.pem"), Pem.certificates(List.of(root.cert())), "rw-r--r--");
    Pem.writeAtomically(dir.resolve("cert-chain.pem"), "", "rw-r--r--");
    Pem.writeAtomically(dir.resolve("ca-cert.pem"), Pem.certificates(List.of(root.cert())), "rw-r--r--");
    LOG.info("event=ca_root_created dir={} subject=\"{}\" expires={}", dir, root.cert().getSubjectX500Principal(),
        root.cert().getNotAfter().toInstant());
  }

  /** A self-signed root certificate and its key, in memory. */
  record Root(X509Certificate cert, PrivateKey key) {}

  static Root newRoot(String trustDomain, KeyType keyType, Clock clock) throws IOException {
    try {
      KeyPair kp = switch (keyType) {
        case EC_P256 -> KeyPairs.ecP256();
        case RSA_2048 -> KeyPairs.rsa(2048);
        case RSA_4096 -> KeyPairs.rsa(4096);
      };
      X500Name name = new X500Name("O=" + trustDomain + ",CN=vmesh root CA");
      Instant now = clock.instant();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minusSeconds(60)),
          Date.from(now.plus(ROOT_TTL)), name, kp.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
      return new Root(new JcaX509CertificateConverter().getCertificate(b.build(signer(kp.getPrivate()))),
          kp.getPrivate());
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot create a root CA: " + e.getMessage(), e);
    }
  }

  /** Name of the blob holding a root that replicas share: the sealed key, then the certificate. */
  static final String SHARED_ROOT = "ca/shared-root.pem";

  /**
   * The CA every replica of the server shares through {@code blobs}: the self-signed root one of them
   * created first (the others find it), its key sealed with {@code sealer} so the shared store never
   * holds it in the clear. Replicas racing at first start agree on one root.
   */
  public static CertificateAuthority loadOrCreateShared(Blobs blobs, Sealer sealer, String trustDomain,
      KeyType keyType, Clock clock) throws IOException {
    SharedKey shared = SharedKey.loadOrCreate(blobs, sealer, SHARED_ROOT, () -> {
      Root root = newRoot(trustDomain, keyType, clock);
      return new SharedKey(root.key(), Pem.certificates(List.of(root.cert())));
    });
    X509Certificate cert = Pem.parseCertificates(shared.publicPem()).get(0);
    return new CertificateAuthority(cert, shared.key(), List.of(), List.of(cert), clock);
  }

  /**
   * Where certificates issued before 2026-12 carried the id of the bootstrap token they descend from: an
   * extension under the UUID arc 2.25 (ITU-T X.667). Go's crypto/x509 refuses any certificate with an
   * OID arc over 31 bits ("malformed extension OID field"), so Go programs (Istio's pilot-agent among
   * them) could not load those certificates. Still read, so that revoking a token keeps refusing the
   * renewals of certificates issued before; never written.
   */
  static final ASN1ObjectIdentifier LEGACY_TOKEN_ORIGIN =
      new ASN1ObjectIdentifier("2.25.126339559034091608893687867448285220631");

  /**
   * What goes into a leaf certificate: subject alternative names, lifetime, and the bootstrap token it
   * descends from (empty for none).
   */
  public record LeafSpec(List<String> uris, List<String> dnsNames, List<String> ips, Duration ttl,
      String originToken) {
    public LeafSpec(List<String> uris, List<String> dnsNames, List<String> ips, Duration ttl) {
      this(uris, dnsNames, ips, ttl, "");
    }
  }

  /**
   * The id of the bootstrap token {@code cert} (and every renewal of it) descends from, or empty: the
   * subject's serialNumber attribute (X.520, an identifier of the enrolled thing; here its enrollment),
   * which the CA signs like the rest, so revoking the token also stops the renewals. A workload's
   * identity is its URI SAN alone; the subject carries nothing else. Certificates from before 2026-12
   * carry it in {@link #LEGACY_TOKEN_ORIGIN} instead. "?" when present but unreadable.
   */
  public static String originToken(X509Certificate cert) {
    try {
      RDN[] serial = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.SERIALNUMBER);
      if (serial.length > 0) {
        return IETFUtils.valueToString(serial[0].getFirst().getValue());
      }
    } catch (RuntimeException e) {
      return "?";
    }
    byte[] ext = cert.getExtensionValue(LEGACY_TOKEN_ORIGIN.getId());
    if (ext == null) {
      return "";
    }
    try {
      var octets = ASN1OctetString.getInstance(ext).getOctets();
      return ASN1UTF8String.getInstance(octets).getString();
    } catch (RuntimeException e) {
      return "?";
    }
  }

  /** The subject of a leaf: empty, or the serialNumber naming the bootstrap token it descends from. */
  private static X500Name leafSubject(String originToken) {
    if (originToken.isEmpty()) {
      return new X500Name("");
    }
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.SERIALNUMBER, new DERPrintableString(originToken, true)).build();
  }

  /**
   * Issues a certificate for {@code key}; returns the chain leaf first, then the CA's chain, then the
   * root. The lifetime never outlasts the CA certificate.
   */
  public List<X509Certificate> issue(PublicKey key, LeafSpec spec) {
    try {
      Instant now = clock.instant();
      Instant notAfter = now.plus(spec.ttl());
      if (notAfter.isAfter(caCert.getNotAfter().toInstant())) {
        notAfter = caCert.getNotAfter().toInstant();
      }
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(),
          Date.from(now.minusSeconds(60)), Date.from(notAfter), leafSubject(spec.originToken()), key);
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      List<GeneralName> names = new ArrayList<>();
      spec.uris().forEach(u -> names.add(new GeneralName(GeneralName.uniformResourceIdentifier, u)));
      spec.dnsNames().forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
      for (String ip : spec.ips()) {
        names.add(new GeneralName(GeneralName.iPAddress, InetAddress.getByName(ip).getHostAddress()));
      }
      b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(names.toArray(GeneralName[]::new)));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      b.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key));
      X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(b.build(signer(caKey)));
      List<X509Certificate> chain = new ArrayList<>();
      chain.add(leaf);
      chain.addAll(chainToRoot());
      return chain;
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot issue a certificate: " + e.getMessage(), e);
    }
  }

  /** The CA certificate, its intermediates, and the root it chains to (without duplicates). */
  public List<X509Certificate> chainToRoot() {
    List<X509Certificate> out = new ArrayList<>();
    out.add(caCert);
    for (X509Certificate c : caChain) {
      if (!out.contains(c)) {
        out.add(c);
      }
    }
    X509Certificate last = out.get(out.size() - 1);
    for (X509Certificate r : roots) {
      if (!out.contains(r) && r.getSubjectX500Principal().equals(last.getIssuerX500Principal())) {
        out.add(r);
      }
    }
    return out;
  }

  /** The trust bundle: every root proxies should trust. */
  public List<X509Certificate> roots() {
    return roots;
  }

  private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
    String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    return new JcaContentSignerBuilder(alg).build(key);
  }

  private static BigInteger serial() {
    return new BigInteger(128, RANDOM);
  }
}
