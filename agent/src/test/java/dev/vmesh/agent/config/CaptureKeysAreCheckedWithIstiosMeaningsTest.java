package dev.vmesh.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CaptureConfig}: Istio's keys and defaults, and errors that name key, value and fix. */
class CaptureKeysAreCheckedWithIstiosMeaningsTest {
  @TempDir
  Path tmp;

  static CaptureConfig of(Map<String, String> settings) throws AgentConfig.ConfigException {
    return CaptureConfig.from(settings, "cluster.env");
  }

  @Test
  void emptyKeysCaptureNothingAndStarCapturesAll() throws Exception {
    CaptureConfig none = of(Map.of("ISTIO_SVC_IP", "10.0.0.5"));
    assertThat(none.capturesInbound()).isFalse();
    assertThat(none.capturesOutbound()).isFalse();
    assertThat(none.inboundCapturePort()).isEqualTo(15006);
    assertThat(none.inboundTunnelPort()).isEqualTo(15008);
    assertThat(none.loopbackCidr()).isEqualTo("127.0.0.1/32");
    assertThat(none.ipv6Traffic()).isFalse();

    CaptureConfig all = of(Map.of("ISTIO_INBOUND_PORTS", "*", "ISTIO_SERVICE_CIDR", "*", "ISTIO_SVC_IP", "10.0.0.5",
        "ISTIO_LOCAL_EXCLUDE_PORTS", "22,8443"));
    assertThat(all.inboundAll()).isTrue();
    assertThat(all.outboundAll()).isTrue();
    // SSH and the status ports stay excluded even when ISTIO_LOCAL_EXCLUDE_PORTS forgets them.
    assertThat(all.inboundExcludePorts()).containsExactly(22, 15090, 15021, 15020, 8443);
  }

  @Test
  void listsAreParsedAndBareAddressesBecomeHostRanges() throws Exception {
    CaptureConfig c = of(Map.of("ISTIO_INBOUND_PORTS", "8080, 9090,8080", "ISTIO_SERVICE_CIDR",
        "10.96.0.0/12,240.240.0.1,FD00:0:0::1/64", "ISTIO_SVC_IP", "10.0.0.5", "PROXY_UID", "vmesh,1337",
        "ISTIO_EXCLUDE_INTERFACES", "eth1,wg0", "ISTIO_META_DNS_CAPTURE", "True", "INVALID_DROP", "1"));
    assertThat(c.inboundPorts()).containsExactly(8080, 9090);
    assertThat(c.outboundCidrs()).containsExactly("10.96.0.0/12", "240.240.0.1/32", "fd00::1/64");
    assertThat(c.proxyUids()).containsExactly("vmesh", "1337");
    assertThat(c.proxyGids()).isEmpty(); // the caller's group, not the uid's number (Istio's pitfall)
    assertThat(c.excludeInterfaces()).containsExactly("eth1", "wg0");
    assertThat(c.dnsCapture()).isTrue();
    assertThat(c.dropInvalid()).isTrue();
    assertThat(of(Map.of("REDIRECT_DNS", "true", "ISTIO_SVC_IP", "10.0.0.5")).dnsCapture()).isTrue();
  }

  @Test
  void ipv6IsCapturedWithDualStackOrAnIpv6FirstAddress() throws Exception {
    assertThat(of(Map.of("ISTIO_SVC_IP", "fd00::5")).ipv6Traffic()).isTrue();
    assertThat(of(Map.of("ISTIO_SVC_IP", "10.0.0.5", "ISTIO_DUAL_STACK", "true")).ipv6Traffic()).isTrue();
    assertThat(of(Map.of("INSTANCE_IP", "10.0.0.5,fd00::5")).ipv6Traffic()).isFalse();
  }

  @Test
  void badValuesNameTheKeyTheValueAndTheFix() {
    assertThatThrownBy(() -> of(Map.of("ISTIO_INBOUND_PORTS", "80,http")))
        .hasMessage("cluster.env: ISTIO_INBOUND_PORTS='80,http': \"http\" is not a port (1-65535); write a"
            + " comma-separated list such as '80,443', or '*' for all");
    assertThatThrownBy(() -> of(Map.of("ISTIO_LOCAL_EXCLUDE_PORTS", "70000")))
        .hasMessageContaining("ISTIO_LOCAL_EXCLUDE_PORTS='70000': \"70000\" is not a port");
    assertThatThrownBy(() -> of(Map.of("ISTIO_SERVICE_CIDR", "10.0.0.0/33")))
        .hasMessage("cluster.env: ISTIO_SERVICE_CIDR='10.0.0.0/33': \"10.0.0.0/33\" is not an address range;"
            + " write CIDRs such as '10.0.0.0/8,fd00::/8', or '*' for all");
    assertThatThrownBy(() -> of(Map.of("ISTIO_SERVICE_EXCLUDE_CIDR", "*")))
        .hasMessageContaining("ISTIO_SERVICE_EXCLUDE_CIDR='*': '*' would exclude everything");
    assertThatThrownBy(() -> of(Map.of("ISTIO_INBOUND_INTERCEPTION_MODE", "TPROXY")))
        .hasMessageContaining("ISTIO_INBOUND_INTERCEPTION_MODE='TPROXY': vmesh captures inbound traffic with"
            + " REDIRECT only").hasMessageContaining("remove the key or set REDIRECT");
    assertThatThrownBy(() -> of(Map.of("KUBE_VIRT_INTERFACES", "eth0")))
        .hasMessageContaining("KUBE_VIRT_INTERFACES='eth0'");
    assertThatThrownBy(() -> of(Map.of("ISTIO_META_DNS_CAPTURE", "yes")))
        .hasMessage("cluster.env: ISTIO_META_DNS_CAPTURE='yes': not a boolean; write 'true' or 'false'");
    assertThatThrownBy(() -> of(Map.of("PROXY_UID", "vm esh")))
        .hasMessageContaining("PROXY_UID='vm esh': \"vm esh\" is not a user or group name or number");
    assertThatThrownBy(() -> of(Map.of("ISTIO_OUTBOUND_OWNER_GROUPS", "web", "ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE",
        "backup"))).hasMessageContaining("not both");
    assertThatThrownBy(() -> of(Map.of("ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR", "10.0.0.0/8")))
        .hasMessageContaining("inside 127.0.0.0/8");
    assertThatThrownBy(() -> of(Map.of("INBOUND_CAPTURE_PORT", "0")))
        .hasMessageContaining("INBOUND_CAPTURE_PORT='0': not a port (1-65535); remove the key for the default 15006");
  }

  @Test
  void theEnvironmentOverridesClusterEnvAsTheStartScriptDoes() throws Exception {
    Path env = tmp.resolve("cluster.env");
    Files.writeString(env, "ISTIO_SERVICE_CIDR='*'\nISTIO_INBOUND_PORTS='80'\nISTIO_SVC_IP='10.0.0.5'\n");
    CaptureConfig c = CaptureConfig.load(env, Map.of("ISTIO_INBOUND_PORTS", "8080", "HOME", "/root"));
    assertThat(c.outboundAll()).isTrue();
    assertThat(c.inboundPorts()).containsExactly(8080);
    assertThat(CaptureConfig.load(tmp.resolve("missing.env"), Map.of("ISTIO_SVC_IP", "10.0.0.5"))
        .capturesOutbound()).isFalse();
    Files.writeString(env, "ISTIO_SERVICE_CIDR=10.0.0.0/8 10.1.0.0/16\n");
    assertThatThrownBy(() -> CaptureConfig.load(env, Map.of())).hasMessageContaining(env + ":1: ISTIO_SERVICE_CIDR:"
        + " unquoted space");
  }
}
