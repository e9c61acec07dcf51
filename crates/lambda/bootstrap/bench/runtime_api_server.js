/*
 * A minimal, fast Runtime API for benchmarking a bootstrap in a closed loop:
 * every GET /next is answered at once with a fresh event, every POST with
 * 202. Prints its port on stdout; GET /bench/count returns the number of
 * /response posts so far. Plain `net`, so that the server's own cost stays
 * small next to the bootstrap's (which is what the benchmark measures).
 */
'use strict';
const net = require('net');
const crypto = require('crypto');

const EVENT = Buffer.from(process.argv[2] || '{}');
let responses = 0;

function nextResponse() {
  const id = crypto.randomUUID();
  // The header set and casing Portico's hyper server sends.
  const head =
    'HTTP/1.1 200 OK\r\n' +
    'lambda-runtime-aws-request-id: ' + id + '\r\n' +
    'lambda-runtime-deadline-ms: ' + (Date.now() + 3000) + '\r\n' +
    'lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:000000000000:function:b_n\r\n' +
    'lambda-runtime-trace-id: Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1\r\n' +
    'content-type: application/json\r\n' +
    'content-length: ' + EVENT.length + '\r\n' +
    'date: ' + new Date().toUTCString() + '\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), EVENT]);
}

function small(status, body) {
  return (
    'HTTP/1.1 ' + status + '\r\ncontent-type: application/json\r\ncontent-length: ' + body.length +
    '\r\ndate: ' + new Date().toUTCString() + '\r\n\r\n' + body
  );
}

const server = net.createServer((sock) => {
  sock.setNoDelay(true);
  let buf = Buffer.alloc(0);
  sock.on('data', (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.toString('latin1', 0, end);
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const len = m ? Number(m[1]) : 0;
      if (buf.length < end + 4 + len) return;
      buf = buf.subarray(end + 4 + len);
      const line = head.slice(0, head.indexOf('\r\n'));
      if (line.startsWith('GET /2018-06-01/runtime/invocation/next ')) {
        sock.write(nextResponse());
      } else if (line.startsWith('GET /bench/count ')) {
        sock.write(small('200 OK', String(responses)));
      } else {
        if (line.includes('/response ')) responses++;
        sock.write(small('202 Accepted', '{"status":"OK"}'));
      }
    }
  });
  sock.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(server.address().port + '\n');
});
