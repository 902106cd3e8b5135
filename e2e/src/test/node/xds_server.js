// An xDS-enabled gRPC server for the e2e tests: grpc-js with @grpc/grpc-js-xds's XdsServer (gRFC A36),
// taking its transport security from xDS (gRFC A29).
//
// Usage: GRPC_XDS_BOOTSTRAP=bootstrap.json node xds_server.js HOST:PORT
//
// Binds HOST:PORT with xDS server credentials (plain text as the fallback): the listener it asks for (the
// bootstrap's server_listener_resource_name_template) decides whether connections take mTLS. Serves
// /vmesh.test.Echo/Who, answering with the caller's SPIFFE id (the spiffe:// URI among its certificate's
// names) or "plaintext" for a call without TLS. Prints "ready" once the listener arrived and it serves.
'use strict';
const grpc = require('@grpc/grpc-js');
const grpcXds = require('@grpc/grpc-js-xds');

// registers the xDS HTTP filters (router, RBAC, ...) the server's listener names, as well as the xds: resolver
grpcXds.register();
const bytes = (b) => b;

function who(call, callback) {
  const cert = call.getAuthContext().sslPeerCertificate;
  const names = (cert && cert.subjectaltname) ? cert.subjectaltname.split(', ') : [];
  const uri = names.find((n) => n.startsWith('URI:spiffe://'));
  callback(null, Buffer.from(uri ? uri.substring('URI:'.length) : 'plaintext', 'utf8'));
}

const server = new grpcXds.XdsServer();
server.register('/vmesh.test.Echo/Who', who, bytes, bytes, 'unary');
server.bindAsync(process.argv[2], new grpcXds.XdsServerCredentials(grpc.ServerCredentials.createInsecure()),
    (err) => {
      if (err) {
        process.stderr.write(`bind failed: ${err.message}\n`);
        process.exit(1);
      }
      process.stdout.write('ready\n');
    });
