// A proxyless gRPC client for the e2e tests: grpc-js with @grpc/grpc-js-xds calling an xds:/// target.
//
// Usage: GRPC_XDS_BOOTSTRAP=bootstrap.json node xds_client.js xds:///host:port [plaintext|xds]
//
// Reads a number N per line on standard input, makes N unary calls to /vmesh.test.Echo/Who (empty
// request, the backend answers with its name as raw bytes) one after the other, each with a 5 s
// deadline, and prints one line: "answers=A,B,... failed=K error=<first error>". With "xds" the channel
// uses xDS credentials (mTLS as the cluster's transport socket says, plaintext otherwise).
'use strict';
const grpc = require('@grpc/grpc-js');
const grpcXds = require('@grpc/grpc-js-xds');
const readline = require('readline');

grpcXds.register();
const target = process.argv[2];
const mode = process.argv[3] || 'plaintext';
const insecure = grpc.credentials.createInsecure();
const client = new grpc.Client(target, mode === 'xds' ? new grpcXds.XdsChannelCredentials(insecure) : insecure);
const bytes = (b) => b;

function who() {
  return new Promise((resolve) => {
    client.makeUnaryRequest('/vmesh.test.Echo/Who', bytes, bytes, Buffer.alloc(0),
        { deadline: Date.now() + 5000 }, (err, res) => resolve(err ? { err } : { answer: res.toString('utf8') }));
  });
}

async function round(n) {
  const answers = [];
  let failed = 0;
  let firstError = '';
  for (let i = 0; i < n; i++) {
    const r = await who();
    if (r.err) {
      failed++;
      if (!firstError) {
        firstError = `${grpc.status[r.err.code]}: ${r.err.details}`.replace(/\n/g, ' ');
      }
    } else {
      answers.push(r.answer);
    }
  }
  process.stdout.write(`answers=${answers.join(',')} failed=${failed} error=${firstError}\n`);
}

async function main() {
  process.stdout.write('ready\n');
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim()) {
      await round(parseInt(line, 10));
    }
  }
  client.close();
  process.exit(0); // the xDS client keeps its stream open otherwise
}

main();
