package dev.vmesh.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code ResourceStatus} is an object's {@code status}: conditions (all kinds), validation messages,
 * observed generation, and, for ServiceEntries, the auto-allocated {@code addresses}.
 */
public record ResourceStatus(
    List<Condition> conditions,
    List<ValidationMessage> validationMessages,
    long observedGeneration,
    List<HostAddress> addresses) {

  public static final ResourceStatus EMPTY = new ResourceStatus(List.of(), List.of(), 0, List.of());

  public ResourceStatus {
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
    validationMessages = validationMessages == null ? List.of() : List.copyOf(validationMessages);
    addresses = addresses == null ? List.of() : List.copyOf(addresses);
  }

  public boolean isEmpty() {
    return conditions.isEmpty() && validationMessages.isEmpty() && observedGeneration == 0 && addresses.isEmpty();
  }

  /** The condition of the given type, if present. */
  public Optional<Condition> condition(String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
  }

  public ResourceStatus withAddresses(List<HostAddress> newAddresses) {
    return new ResourceStatus(conditions, validationMessages, observedGeneration, newAddresses);
  }

  public ResourceStatus withConditions(List<Condition> newConditions) {
    return new ResourceStatus(newConditions, validationMessages, observedGeneration, addresses);
  }

  /** An address allocated for one host of a ServiceEntry ({@code status.addresses[]}). */
  public record HostAddress(String value, String host) {
    public HostAddress {
      value = Objects.requireNonNullElse(value, "");
      host = Objects.requireNonNullElse(host, "");
    }
  }

  /**
   * An analysis message attached to an object ({@code status.validationMessages[]}, Istio's
   * AnalysisMessageBase: {@code type{name, code}, level, documentationUrl}).
   */
  public record ValidationMessage(String typeName, String typeCode, String level, String documentationUrl) {
    public ValidationMessage {
      typeName = Objects.requireNonNullElse(typeName, "");
      typeCode = Objects.requireNonNullElse(typeCode, "");
      level = Objects.requireNonNullElse(level, "");
      documentationUrl = Objects.requireNonNullElse(documentationUrl, "");
    }
  }
}
