package dev.vmesh.proto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.proto.nds.NameTable;
import org.junit.jupiter.api.Test;

class WireTypeUrlsNameTheirMessagesTest {
  @Test
  void theNameTableTypeUrlIsTheFullNameOfTheMessageWeCompile() {
    // the constant is a literal (usable in switches); this keeps it equal to what the .proto declares
    assertThat(Wire.NAME_TABLE_TYPE).isEqualTo("type.googleapis.com/" + NameTable.getDescriptor().getFullName());
  }

}
