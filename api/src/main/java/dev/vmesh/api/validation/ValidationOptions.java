package dev.vmesh.api.validation;

/**
 * {@code ValidationOptions} holds the server settings that change validation results.
 *
 * @param autoAllocateAddresses whether hosts without addresses get a virtual IP (Istio's
 *     {@code PILOT_ENABLE_IP_AUTOALLOCATE}, default true); it decides the "addresses are required for
 *     TCP ports" warning
 */
public record ValidationOptions(boolean autoAllocateAddresses) {
  public static final ValidationOptions DEFAULTS = new ValidationOptions(true);
}
