/**
 * A loopback HTTP server that answers late or never: what a stalled AWS endpoint or webhook looks like from the
 * client. Every request is counted; `close()` drops the connections still held open.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SlowServerOptions {
  /** Answer after this many ms; undefined: never answer. */
  readonly delayMs?: number;
  /** The answer, once the delay is over. @default 200 with an empty body */
  readonly answer?: (request: IncomingMessage, response: ServerResponse) => void;
}

export interface SlowServer {
  readonly url: string;
  /** Requests received so far. */
  readonly requests: () => number;
  close(): Promise<void>;
}

export async function startSlowServer(options: SlowServerOptions = {}): Promise<SlowServer> {
  let requests = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((request, response) => {
    requests++;
    request.resume();
    if (options.delayMs === undefined) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (response.destroyed) return;
      if (options.answer) options.answer(request, response);
      else response.end();
    }, options.delayMs);
    timers.add(timer);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
