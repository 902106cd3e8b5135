package dev.vmesh.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import org.junit.jupiter.api.Test;

/** What the agent makes ({@link Csrs#create}) is what the CA reads back ({@link Csrs#check}). */
class ACsrCarriesTheIdentityAndKeyOfItsMakerTest {
  private final SpiffeId id = SpiffeId.parse("spiffe://cluster.local/ns/ns1/sa/vm");

  @Test
  void theCheckedCsrNamesTheRequestedIdAndTheKeyThatSignedIt() {
    KeyPair keys = KeyPairs.ecP256();
    Csrs.Checked checked = Csrs.check(Csrs.create(keys, id.uri()));
    assertThat(checked.requestedUris()).containsExactly("spiffe://cluster.local/ns/ns1/sa/vm");
    assertThat(checked.publicKey()).isEqualTo(keys.getPublic());
  }

  @Test
  void aWeakKeyIsRefusedWithTheSizeItNeeds() {
    String weak = Csrs.create(KeyPairs.rsa(1024), id.uri());
    assertThatThrownBy(() -> Csrs.check(weak)).hasMessage("csr key is RSA-1024; at least 2048 bits are required");
  }

  @Test
  void onlyWorkloadIdsParse() {
    assertThat(SpiffeId.parse(id.uri())).isEqualTo(id);
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://cluster.local/ns/ns1/pod/vm"))
        .hasMessageContaining("spiffe://TD/ns/NS/sa/SA");
    assertThatThrownBy(() -> SpiffeId.parse("spiffe://cluster.local/ns/NS_1/sa/vm"))
        .hasMessageContaining("not a valid namespace");
  }

  @Test
  void keysAndCertificatesRoundTripThroughPem() {
    KeyPair keys = KeyPairs.ecP256();
    assertThat(Pem.parsePrivateKey(Pem.privateKey(keys.getPrivate()))).isEqualTo(keys.getPrivate());
    assertThat(Pem.parsePublicKey(Pem.publicKey(keys.getPublic()))).isEqualTo(keys.getPublic());
    assertThatThrownBy(() -> Pem.parseCertificates(Pem.privateKey(keys.getPrivate())))
        .hasMessageContaining("expected only certificates");
  }
}
