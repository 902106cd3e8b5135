package dev.vmesh.api.codec;

import dev.vmesh.api.GatewaySpec;
import dev.vmesh.api.GatewaySpec.Port;
import dev.vmesh.api.GatewaySpec.Server;
import dev.vmesh.api.GatewaySpec.ServerTls;
import dev.vmesh.api.GatewaySpec.TlsMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GatewayCodec} reads and writes the spec of an Istio Gateway. Istio fields vmesh's gateways do not implement
 * (TLS termination settings, {@code bind}, {@code defaultEndpoint}, {@code targetPort}) are errors naming the field
 * and what is supported, so nothing a user wrote is dropped.
 */
final class GatewayCodec {
  /** Istio's server TLS fields other than {@code mode}: all about terminating TLS, which vmesh's gateways do not. */
  private static final List<String> TERMINATION_FIELDS = List.of("httpsRedirect", "serverCertificate", "privateKey",
      "caCertificates", "caCrl", "credentialName", "credentialNames", "tlsCertificates", "subjectAltNames",
      "verifyCertificateSpki", "verifyCertificateHash", "minProtocolVersion", "maxProtocolVersion", "cipherSuites");

  private GatewayCodec() {}

  static GatewaySpec decode(MapReader m) {
    Map<String, String> selector = m.stringMap("selector");
    List<Server> servers = m.list("servers", (n, p) -> {
      MapReader r = m.reader().map(n, p, "a server");
      if (r == null) {
        return null;
      }
      Server s = server(r);
      r.finish();
      return s;
    });
    return new GatewaySpec(selector, servers);
  }

  private static Server server(MapReader r) {
    Port port = r.object("port", "a server port", p -> {
      p.unsupported("targetPort", "targetPort has no effect on a Gateway (Istio refuses it too); remove it");
      return new Port(p.port("number"), p.string("protocol"), p.string("name"));
    });
    List<String> hosts = r.stringList("hosts");
    ServerTls tls = r.object("tls", "server TLS settings", t -> {
      for (String field : TERMINATION_FIELDS) {
        t.unsupported(field, field + " is not supported: vmesh's gateways pass TLS through without terminating it"
            + " and read only tls.mode (PASSTHROUGH or AUTO_PASSTHROUGH); remove " + field);
      }
      return new ServerTls(t.enumValue("mode", TlsMode.class, TlsMode.PASSTHROUGH));
    });
    r.unsupported("bind", "bind is not supported: vmesh's gateways listen on every address of the gateway's"
        + " machine (choose them with vmesh gateway's listen flags); remove bind");
    r.unsupported("defaultEndpoint", "defaultEndpoint is not supported: a gateway server forwards by its routes;"
        + " remove defaultEndpoint");
    return new Server(port, hosts, tls, r.string("name"));
  }

  static Map<String, Object> encode(GatewaySpec g) {
    Map<String, Object> out = new LinkedHashMap<>();
    ResourceEncoder.putMap(out, "selector", g.selector());
    ResourceEncoder.putList(out, "servers", g.servers(), GatewayCodec::server);
    return out;
  }

  private static Object server(Server s) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (s.port() != null) {
      Map<String, Object> port = new LinkedHashMap<>();
      ResourceEncoder.putInt(port, "number", s.port().number());
      ResourceEncoder.putString(port, "protocol", s.port().protocol());
      ResourceEncoder.putString(port, "name", s.port().name());
      out.put("port", port);
    }
    ResourceEncoder.putList(out, "hosts", s.hosts(), h -> h);
    if (s.tls() != null) {
      Map<String, Object> tls = new LinkedHashMap<>();
      tls.put("mode", s.tls().mode().name());
      out.put("tls", tls);
    }
    ResourceEncoder.putString(out, "name", s.name());
    return out;
  }
}
