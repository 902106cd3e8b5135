package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;

import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;

/** The ConfigStore contract on the stores of this module: memory, embedded durable, files layered on durable. */
class StoreContractTest extends ConfigStoreContract {
  @Override
  protected Stream<Named<Function<Path, ConfigStore>>> stores() {
    return Stream.of(
        store("memory", dir -> ConfigStores.memory(CLOCK)),
        store("durable", dir -> ConfigStores.durable(dir, CLOCK)),
        store("layered", dir -> Fixtures.layered(dir, ConfigStores.durable(dir.resolve("data"), CLOCK))));
  }
}
