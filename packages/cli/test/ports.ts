import { connect, createServer } from 'node:net';

/** A port nothing listens on right now (the kernel's pick), for a child told to use it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves with the connect error code on 127.0.0.1:port, or 'connected' if something listens. */
export function probePort(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/**
 * Polls until connecting to the port is refused or `timeoutMs` passes; resolves with the last
 * probe result ('ECONNREFUSED' once nothing listens any more).
 */
export async function waitUntilClosed(port: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probePort(port);
    if (result === 'ECONNREFUSED' || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
