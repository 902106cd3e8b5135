package dev.vmesh.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --store etcd://...} addresses and the other etcd options. */
class StoreAddressesParseOrSayWhatIsWrongTest {
  @Test
  void endpointsComeFromTheStoreAddress() {
    assertThat(EtcdOptions.parseStoreAddress("etcd://10.0.0.1:2379,etcd-2.example:12379", false))
        .containsExactly(URI.create("http://10.0.0.1:2379"), URI.create("http://etcd-2.example:12379"));
    assertThat(EtcdOptions.parseStoreAddress("etcd://etcd.example/", true))
        .containsExactly(URI.create("https://etcd.example:2379"));
    assertThat(EtcdOptions.parseStoreAddress("etcd://[::1]:2379", false)).containsExactly(URI.create("http://[::1]:2379"));
  }

  @Test
  void badAddressesAreExplained() {
    assertThatThrownBy(() -> EtcdOptions.parseStoreAddress("http://10.0.0.1:2379", false))
        .hasMessageContaining("etcd://HOST:PORT");
    assertThatThrownBy(() -> EtcdOptions.parseStoreAddress("etcd://a:1,,b:2", false))
        .hasMessageContaining("empty endpoint");
    assertThatThrownBy(() -> EtcdOptions.parseStoreAddress("etcd://a:port", false))
        .hasMessageContaining("\"a:port\"").hasMessageContaining("not HOST:PORT");
    assertThatThrownBy(() -> EtcdOptions.parseStoreAddress("etcd://a:1/path", false))
        .hasMessageContaining("not HOST:PORT");
  }

  @Test
  void thePrefixEndsWithASlashAndTheRestIsChecked() {
    assertThat(EtcdOptions.of("http://a:1").keyPrefix()).isEqualTo("/vmesh/");
    assertThat(EtcdOptions.of("http://a:1").withKeyPrefix("/mesh-a").keyPrefix()).isEqualTo("/mesh-a/");
    assertThatThrownBy(() -> new EtcdOptions.Tls(null, Path.of("cert.pem"), null))
        .hasMessageContaining("--etcd-key-file");
    assertThatThrownBy(() -> new EtcdOptions(List.of(URI.create("ftp://a:1")), null, null, null, null))
        .hasMessageContaining("http://HOST:PORT or https://HOST:PORT");
    assertThat(new EtcdOptions.Credentials("vmesh", "s3cret").toString()).doesNotContain("s3cret");
  }
}
