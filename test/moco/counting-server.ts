import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

const TLS_DIR = new URL('../fixtures/tls/', import.meta.url);
/** The test certificate (127.0.0.1 and localhost) and its key: see test/fixtures/tls/README.md. */
export const TEST_CERT_FILE = new URL('cert.pem', TLS_DIR).pathname;
export const TEST_KEY_FILE = new URL('key.pem', TLS_DIR).pathname;

export interface CountingServer {
  /** `http(s)://127.0.0.1:PORT/api/v1` */
  baseUrl: string;
  /** TCP connections accepted. */
  connections: number;
  /** TLS handshakes completed, and how many of them resumed an earlier session. */
  handshakes: number;
  resumed: number;
  /** `METHOD /path`, the connection (1-based) each came on, and its key headers. */
  requests: { label: string; connection: number; authorization?: string; impersonate?: string }[];
  /** Keys answered with 401 from now on. */
  refused: Set<string>;
  /** Connections that have closed. */
  closed: number;
  /** Sets the server's own idle timeout, sent to clients as `Keep-Alive: timeout=N`. */
  setKeepAliveSeconds(seconds: number): void;
  close(): Promise<void>;
}

/**
 * A server answering every request with a session as MOCO does (session-200.json), that counts what
 * a client costs it: connections, handshakes, resumed handshakes, and which connection each request
 * used.
 */
export async function countingServer(kind: 'http' | 'https'): Promise<CountingServer> {
  const numbers = new WeakMap<Socket, number>();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const { authorization } = req.headers;
    const impersonate = req.headers['x-impersonate-user-id'];
    state.requests.push({
      label: `${req.method} ${req.url}`,
      connection: numbers.get(req.socket) ?? 0,
      ...(authorization === undefined ? {} : { authorization }),
      ...(typeof impersonate === 'string' ? { impersonate } : {}),
    });
    req.resume();
    req.on('end', () => {
      if (authorization !== undefined && state.refused.has(authorization.replace(/^Token token=/, ''))) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: 'Unauthorized' }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: 933590696, uuid: '123e4567-e89b-12d3-a456-426614174000' }));
    });
  };
  const server =
    kind === 'https'
      ? https.createServer({ cert: readFileSync(TEST_CERT_FILE), key: readFileSync(TEST_KEY_FILE) }, handler)
      : http.createServer(handler);
  server.on('connection', (socket: Socket) => {
    state.connections += 1;
    numbers.set(socket, state.connections);
    socket.on('close', () => {
      state.closed += 1;
    });
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    state.handshakes += 1;
    if (socket.isSessionReused()) state.resumed += 1;
    // The request arrives on the TLS socket; number it like its TCP socket.
    numbers.set(socket, state.connections);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const state: CountingServer = {
    baseUrl: `${kind}://127.0.0.1:${port}/api/v1`,
    connections: 0,
    handshakes: 0,
    resumed: 0,
    requests: [],
    refused: new Set(),
    closed: 0,
    setKeepAliveSeconds(seconds) {
      server.keepAliveTimeout = seconds * 1000;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return state;
}

/** Waits, without a fixed sleep, for something a socket event will make true. */
export async function eventually(condition: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
