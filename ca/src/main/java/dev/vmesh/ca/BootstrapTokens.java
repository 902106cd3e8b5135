package dev.vmesh.ca;

import dev.vmesh.pki.KeyPairs;
import dev.vmesh.pki.Pem;
import dev.vmesh.pki.SpiffeId;
import dev.vmesh.store.Blobs;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.IncorrectClaimException;
import io.jsonwebtoken.Jws;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.MissingClaimException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code BootstrapTokens} issues and checks the tokens a VM presents once, to get its first
 * certificate: JWTs signed (ES256) by a key of the server's ({@code signing-key.pem}, mode 0600), carrying
 * namespace, service account, audience, expiry and an id; optionally single-use (spent by the first call
 * it authenticates, a certificate request or an xDS stream: {@link #spend}); revocable through the
 * {@link TokenLedger}. After that first certificate the VM renews with the certificate alone.
 */
public final class BootstrapTokens {
  public static final String ISSUER = "vmesh";
  public static final String AUDIENCE = "vmesh-ca";
  public static final Duration MAX_TTL = Duration.ofDays(365);

  private final PrivateKey signingKey;
  private final PublicKey verifyKey;
  private final TokenLedger ledger;
  private final Clock clock;

  private BootstrapTokens(PrivateKey signingKey, PublicKey verifyKey, TokenLedger ledger, Clock clock) {
    this.signingKey = signingKey;
    this.verifyKey = verifyKey;
    this.ledger = ledger;
    this.clock = clock;
  }

  /** Opens (creating the signing key on first use) the token machinery in {@code dir}. */
  public static BootstrapTokens open(Path dir, Clock clock) throws IOException {
    Files.createDirectories(dir);
    Path keyFile = dir.resolve("signing-key.pem");
    Path publicFile = dir.resolve("signing-key.pub.pem");
    if (!Files.exists(keyFile) || !Files.exists(publicFile)) {
      KeyPair kp = KeyPairs.ecP256();
      Pem.writeAtomically(publicFile, Pem.publicKey(kp.getPublic()), "rw-r--r--");
      Pem.writeAtomically(keyFile, Pem.privateKey(kp.getPrivate()), "rw-------");
    }
    return new BootstrapTokens(Pem.parsePrivateKey(Files.readString(keyFile)),
        Pem.parsePublicKey(Files.readString(publicFile)), new TokenLedger(dir.resolve("ledger")), clock);
  }

  /** Name of the blob with the signing key replicas share: the sealed private key, then the public key. */
  static final String SHARED_KEY = "tokens/shared-signing-key.pem";

  /**
   * The token machinery every replica shares through {@code blobs}: one signing key (created by whichever
   * replica comes first, its private half sealed with {@code sealer}) and one ledger, so a token issued
   * through one replica works on all, and a single-use one is spent once.
   */
  public static BootstrapTokens openShared(Blobs blobs, Sealer sealer, Clock clock) throws IOException {
    SharedKey shared = SharedKey.loadOrCreate(blobs, sealer, SHARED_KEY, () -> {
      KeyPair kp = KeyPairs.ecP256();
      return new SharedKey(kp.getPrivate(), Pem.publicKey(kp.getPublic()));
    });
    return new BootstrapTokens(shared.key(), Pem.parsePublicKey(shared.publicPem()),
        new TokenLedger(blobs, "tokens/ledger"), clock);
  }

  public TokenLedger ledger() {
    return ledger;
  }

  /** A new token and its id. */
  public record Token(String id, String jwt, Instant expires) {}

  public Token issue(String namespace, String serviceAccount, Duration ttl, boolean singleUse) {
    new SpiffeId("x", namespace, serviceAccount); // validates both names
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("token lifetime must be between 1s and " + MAX_TTL.toDays() + " days");
    }
    byte[] raw = new byte[16];
    ThreadLocalRandom.current().nextBytes(raw);
    String id = HexFormat.of().formatHex(raw);
    Instant now = clock.instant();
    Instant expires = now.plus(ttl);
    String jwt = Jwts.builder()
        .issuer(ISSUER)
        .subject("system:serviceaccount:" + namespace + ":" + serviceAccount)
        .audience().add(AUDIENCE).and()
        .id(id)
        .issuedAt(Date.from(now))
        .expiration(Date.from(expires))
        .claim("ns", namespace)
        .claim("sa", serviceAccount)
        .claim("single_use", singleUse)
        .signWith(signingKey, Jwts.SIG.ES256)
        .compact();
    ledger.recordIssued(id, namespace, serviceAccount, expires, singleUse);
    return new Token(id, jwt, expires);
  }

  /** A verified token's claims. */
  public record Claim(String id, String namespace, String serviceAccount, boolean singleUse) {}

  /**
   * Verifies signature, issuer, audience, expiry (60 s of clock skew allowed), revocation and, for a
   * single-use token, that it was not spent yet. Throws {@link InvalidTokenException} with a message for
   * the caller otherwise.
   */
  public Claim verify(String jwt) {
    if (jwt == null || jwt.isBlank() || jwt.length() > 8192) {
      throw new InvalidTokenException(InvalidTokenException.INVALID, "bootstrap token is empty or too long");
    }
    Jws<Claims> jws;
    try {
      jws = Jwts.parser().verifyWith(verifyKey).clock(() -> Date.from(clock.instant())).clockSkewSeconds(60)
          .requireIssuer(ISSUER).requireAudience(AUDIENCE).build().parseSignedClaims(jwt);
    } catch (ExpiredJwtException e) {
      Claims c = e.getClaims();
      String ns = Objects.requireNonNullElse(c.get("ns", String.class), "NAMESPACE");
      String sa = Objects.requireNonNullElse(c.get("sa", String.class), "SERVICE_ACCOUNT");
      throw new InvalidTokenException(InvalidTokenException.EXPIRED, "bootstrap token " + c.getId() + " for " + ns + "/" + sa + " expired at "
          + c.getExpiration().toInstant() + "; " + renewHint(ns, sa));
    } catch (IncorrectClaimException | MissingClaimException e) {
      throw new InvalidTokenException(InvalidTokenException.INVALID, "bootstrap token has the wrong " + e.getClaimName() + "; it was not issued "
          + "for this vmesh CA");
    } catch (JwtException | IllegalArgumentException e) {
      throw new InvalidTokenException(InvalidTokenException.INVALID, "bootstrap token is not valid: " + e.getMessage());
    }
    Claims c = jws.getPayload();
    String id = c.getId();
    String ns = c.get("ns", String.class);
    String sa = c.get("sa", String.class);
    Boolean single = c.get("single_use", Boolean.class);
    if (!TokenLedger.isId(id) || ns == null || sa == null || single == null) {
      throw new InvalidTokenException(InvalidTokenException.INVALID, "bootstrap token lacks its id, namespace or service account");
    }
    if (ledger.isRevoked(id)) {
      throw new InvalidTokenException(InvalidTokenException.REVOKED, "bootstrap token " + id + " for " + ns + "/" + sa
          + " was revoked; "
          + renewHint(ns, sa));
    }
    if (single && ledger.isSpent(id)) {
      throw new InvalidTokenException(InvalidTokenException.SPENT, spentMessage(id, ns, sa));
    }
    return new Claim(id, ns, sa, single);
  }

  private static String spentMessage(String id, String ns, String sa) {
    return "bootstrap token " + id + " for " + ns + "/" + sa + " is single-use and was already used; "
        + renewHint(ns, sa);
  }

  /** How to give a VM a new token: the same words on the server's refusal and in the agent's error. */
  public static String renewHint(String namespace, String serviceAccount) {
    return "write a new one into the VM's token file with 'vmesh token create -n " + namespace + " -s "
        + serviceAccount + " > TOKEN_FILE' (or run 'vmesh workload entry configure' again)";
  }

  /**
   * Spends a single-use token; throws if it was already spent. Its one use is the first call it
   * authenticates, whatever it is: a certificate request or an xDS stream.
   */
  public void spend(Claim claim) {
    if (!claim.singleUse()) {
      return;
    }
    try {
      if (!ledger.spend(claim.id())) {
        throw new InvalidTokenException(InvalidTokenException.SPENT, spentMessage(claim.id(), claim.namespace(),
            claim.serviceAccount()));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot record the use of token " + claim.id(), e);
    }
  }

  /** A token that cannot be accepted, with the reason (for the caller) and its kind (for metrics). */
  public static final class InvalidTokenException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final String EXPIRED = "token_expired";
    static final String REVOKED = "token_revoked";
    static final String SPENT = "token_spent";
    static final String INVALID = "token_invalid";
    private final String kind;

    public InvalidTokenException(String message) {
      this(INVALID, message);
    }

    InvalidTokenException(String kind, String message) {
      super(message);
      this.kind = kind;
    }

    /** {@code token_expired}, {@code token_revoked}, {@code token_spent} or {@code token_invalid}. */
    public String kind() {
      return kind;
    }
  }
}
