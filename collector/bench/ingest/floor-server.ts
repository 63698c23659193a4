/**
 * @module
 * The decode-only floor of the ingest benchmark: a bare node:http server that reads each OTLP
 * protobuf body, decodes it with the collector's decoder, drops it and answers 200. No auth,
 * normalization, spool or store: what any collector on this decoder pays at least.
 *
 *   node --conditions=@tokenwatch/source --import tsx floor-server.ts
 *
 * Prints `ready http://127.0.0.1:PORT` on stderr; `GET /stats` answers the spans decoded so far.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeProtobufTraces } from '../../src/otlp/decode-protobuf.ts';

let spans = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ spans }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      const traces = decodeProtobufTraces(Buffer.concat(chunks));
      for (const rs of traces.resourceSpans)
        for (const ss of rs.scopeSpans) spans += ss.spans.length;
      // An empty ExportTraceServiceResponse is zero bytes.
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' });
      res.end();
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end((err as Error).message);
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.error(`ready http://127.0.0.1:${port}`);
});
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
