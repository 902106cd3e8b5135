package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.store.ListOptions;
import dev.vmesh.store.etcd.EtcdOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vmesh server --store ...} and the etcd flags: what they turn into, and what is refused with which words. */
class ServerStoreFlagsTest {
  @TempDir
  Path tmp;

  @Test
  void etcdFlagsBecomeEtcdOptions() throws Exception {
    Path password = Files.writeString(tmp.resolve("pw"), "s3cret\n");
    ServerCommand cmd = new ServerCommand();
    new CommandLine(cmd).parseArgs("--store", "etcd://10.0.0.1:2379,10.0.0.2", "--etcd-ca-file", "/etc/etcd/ca.pem",
        "--etcd-cert-file", "/etc/vmesh/etcd.pem", "--etcd-key-file", "/etc/vmesh/etcd-key.pem",
        "--etcd-user", "vmesh", "--etcd-password-file", password.toString(), "--etcd-prefix", "/mesh-a",
        "--etcd-timeout", "2s");
    EtcdOptions o = cmd.storeFlags.etcdOptions(cmd.storeFlags.store);
    assertThat(o.endpoints()).containsExactly(URI.create("https://10.0.0.1:2379"), URI.create("https://10.0.0.2:2379"));
    assertThat(o.tls()).isEqualTo(new EtcdOptions.Tls(Path.of("/etc/etcd/ca.pem"), Path.of("/etc/vmesh/etcd.pem"),
        Path.of("/etc/vmesh/etcd-key.pem")));
    assertThat(o.credentials()).isEqualTo(new EtcdOptions.Credentials("vmesh", "s3cret"));
    assertThat(o.keyPrefix()).isEqualTo("/mesh-a/");
    assertThat(o.requestTimeout()).isEqualTo(Duration.ofSeconds(2));

    ServerCommand plain = new ServerCommand();
    new CommandLine(plain).parseArgs("--store", "etcd://127.0.0.1:2379");
    EtcdOptions p = plain.storeFlags.etcdOptions(plain.storeFlags.store);
    assertThat(p.endpoints()).containsExactly(URI.create("http://127.0.0.1:2379"));
    assertThat(p.tls()).isNull();
    assertThat(p.credentials()).isNull();
    assertThat(p.keyPrefix()).isEqualTo("/vmesh/");
  }

  @Test
  void badStoreFlagsAreRefusedBeforeAnythingStarts() {
    Path data = tmp.resolve("data");
    Cli bogus = Cli.run("server", "--data-dir", data.toString(), "--store", "mysql://db:3306");
    assertThat(bogus.exit()).isEqualTo(2);
    assertThat(bogus.err()).contains("--store \"mysql://db:3306\" is none of 'embedded', etcd://HOST:PORT");

    Cli noPassword = Cli.run("server", "--data-dir", data.toString(), "--store", "etcd://127.0.0.1:2379",
        "--etcd-user", "vmesh");
    assertThat(noPassword.exit()).isEqualTo(2);
    assertThat(noPassword.err()).contains("--etcd-user needs --etcd-password-file");

    Cli badEndpoint = Cli.run("server", "--data-dir", data.toString(), "--store", "etcd://127.0.0.1:port");
    assertThat(badEndpoint.err()).contains("etcd endpoint \"127.0.0.1:port\"");
    assertThat(data).doesNotExist();
  }

  @Test
  void anEmptyStoreWhereTheServerRanBeforeIsRefusedUnlessAllowed() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data").resolve("tokens")).getParent();
    Cli refused = Cli.run("server", "--data-dir", data.toString(), "--http-address", "127.0.0.1:0",
        "--xds-address", "127.0.0.1:0");
    assertThat(refused.exit()).isEqualTo(2);
    assertThat(refused.err()).contains("refusing to start with an empty store: " + data.resolve("store.db")
        + " is missing, but the bootstrap-token keys in " + data.resolve("tokens") + " show that this server has run "
        + "here before").contains("start once with --allow-empty-store");

    ServerCommand allowed = new ServerCommand();
    new CommandLine(allowed).parseArgs("--data-dir", data.toString(), "--allow-empty-store");
    try (var backend = allowed.storeFlags.backend(data).open(Clock.systemUTC())) {
      assertThat(backend.store().list(ListOptions.all()).items()).isEmpty();
    }
  }
}
