/**
 * @module
 * Real HTTP servers on 127.0.0.1 standing in for Alertmanager, PagerDuty, Slack and webhooks in
 * the alert, report and HTTP delivery tests (not used by production code).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake receiver got. */
export type ReceivedRequest = { path: string; headers: IncomingHttpHeaders; body: string };

/** A listening fake receiver. */
export type FakeReceiver = {
  url: string;
  requests: ReceivedRequest[];
  /** Parsed bodies, in arrival order. */
  bodies(): unknown[];
  /** Statuses to answer next, one per request, before falling back to the default. */
  script(...statuses: number[]): void;
  close(): Promise<void>;
};

/** Starts a server answering `status` (with `body`) unless scripted otherwise. */
export async function startFakeReceiver(status: number, body = ''): Promise<FakeReceiver> {
  const requests: ReceivedRequest[] = [];
  const queue: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(queue.shift() ?? status, { 'content-type': 'text/plain' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    bodies: () => requests.map((r) => JSON.parse(r.body) as unknown),
    script: (...statuses) => queue.push(...statuses),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
