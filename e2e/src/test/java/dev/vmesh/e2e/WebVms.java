package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * {@code WebVms} is what the tests with servers on etcd set up alike: the {@code web} WorkloadGroup in
 * namespace {@code vm} with the ServiceEntry {@code web.vm.example.com} selecting its VMs, a secrets key
 * for the replicas, and an onboarded agent (DNS off) that registers into the group.
 */
final class WebVms {
  /** The group (service account {@code web}, port 8080) and its service (80 → 8080), no probe. */
  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: web, namespace: vm}
      spec:
        metadata:
          labels: {app: web}
        template:
          serviceAccount: web
          ports: {http: 8080}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: web, namespace: vm}
      spec:
        hosts: [web.vm.example.com]
        location: MESH_INTERNAL
        ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
        resolution: STATIC
        workloadSelector:
          labels: {app: web}
      """;

  private WebVms() {}

  /** {@code <dir>/secrets.key}: 32 random bytes in base64, written on first call. */
  static Path secretsKey(Path dir) throws IOException {
    Path key = dir.resolve("secrets.key");
    if (!Files.exists(key)) {
      Files.writeString(key, Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32)) + "\n");
    }
    return key;
  }

  /**
   * Onboards VM {@code vm} at {@code ip} into group {@code web} through the admin API at {@code server}
   * (an http URL, with {@code token}) and starts its agent, which tries {@code discovery} (host:port,
   * comma separated); {@code jvmOptions} go to the agent's JVM. Files live under {@code dir}.
   */
  static VmeshProcess agent(Path dir, String vm, String ip, String discovery, String server, String token,
      String... jvmOptions) throws IOException {
    Path files = dir.resolve(vm + "-etc");
    Cli configure = Cli.run("workload", "entry", "configure", "--name", "web", "-n", "vm", "-o", files.toString(),
        "--autoregister", "--internal-ip", ip, "--discovery-address", discovery, "--server", server, "--token", token);
    assertThat(configure.exit()).as(configure.err()).isZero();
    Path resolv = Files.writeString(dir.resolve(vm + "-resolv.conf"), "nameserver 127.0.0.1\n");
    return new VmeshProcess("agent-" + vm, dir, "agent", "--config-dir", files.toString(),
        "--state-dir", dir.resolve(vm + "-state").toString(), "--run-dir", dir.resolve(vm + "-run").toString(),
        "--status-address", ip + ":" + VmeshProcess.freePort(), "--readiness-address", "off", "--dns", "off",
        "--resolv-conf", resolv.toString()).jvmOptions(jvmOptions).start();
  }
}
