import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A webhook notification as it arrived: when, and the alert labels it carried. */
export type ReceivedAlert = { at: number; status: string; labels: Record<string, string> };

/**
 * A webhook receiver on 127.0.0.1 that timestamps every alert of the Alertmanager-style webhook
 * messages `serve` posts.
 */
export async function startWebhookReceiver(): Promise<{
  url: string;
  alerts: ReceivedAlert[];
  close(): Promise<void>;
}> {
  const alerts: ReceivedAlert[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = Date.now();
      try {
        const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          alerts?: { status: string; labels: Record<string, string> }[];
        };
        for (const alert of message.alerts ?? [])
          alerts.push({ at, status: alert.status, labels: alert.labels });
      } catch {
        // Not an alert message: nothing to time.
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    alerts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
