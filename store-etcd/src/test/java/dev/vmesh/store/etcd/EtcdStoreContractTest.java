package dev.vmesh.store.etcd;

import static dev.vmesh.store.Fixtures.CLOCK;

import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.ConfigStoreContract;
import dev.vmesh.store.Fixtures;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ConfigStore contract on etcd, alone and with a config directory layered over it (as the server runs it). */
class EtcdStoreContractTest extends ConfigStoreContract {
  @RegisterExtension
  static EtcdServer etcd = new EtcdServer();

  @Override
  protected Stream<Named<Function<Path, ConfigStore>>> stores() {
    return Stream.of(
        store("etcd", dir -> EtcdConfigStore.connect(etcd.options(), CLOCK)),
        store("layered on etcd", dir -> Fixtures.layered(dir, EtcdConfigStore.connect(etcd.options(), CLOCK))));
  }
}
