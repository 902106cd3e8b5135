package dev.vmesh.cli;

import dev.vmesh.api.MeshNetworks;
import dev.vmesh.api.Problem;
import dev.vmesh.api.codec.MeshNetworksCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code MeshNetworksFile} reads {@code vmesh server --mesh-networks FILE}: Istio's meshNetworks file
 * ({@code networks:}, what istiod reads from {@code --networksConfig}); a file that cannot be read, or has
 * an error, stops the server before it starts, with each problem at its file:line:col.
 */
final class MeshNetworksFile implements ITypeConverter<MeshNetworks> {
  /** Largest file read: meshNetworks lists networks and gateways, not endpoints. */
  static final long MAX_BYTES = 1 << 20;

  @Override
  public MeshNetworks convert(String value) {
    if (value == null || value.isBlank()) {
      return MeshNetworks.NONE;
    }
    Path file = Path.of(value);
    String text;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new TypeConversionException(file + " is larger than 1 MiB; a meshNetworks file lists networks and"
            + " their gateways");
      }
      text = Files.readString(file);
    } catch (IOException e) {
      throw new TypeConversionException("cannot read " + file + ": " + e.getMessage());
    }
    MeshNetworksCodec.Decoded d = MeshNetworksCodec.decode(file.toString(), text);
    if (d.hasErrors()) {
      throw new TypeConversionException(d.problems().stream().filter(Problem::isError).map(Problem::toString)
          .collect(Collectors.joining("\n", "\n", "")));
    }
    d.problems().forEach(p -> System.err.println(p));
    return d.networks();
  }
}
