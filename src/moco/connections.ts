import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';

/**
 * How long an idle keep-alive socket may wait in the pool. Servers close idle connections on their own
 * schedule (Node's default is 5 s, many proxies use 5-60 s); a request written onto a socket the server
 * is closing at that moment fails with ECONNRESET, and since bytes went out we must call that
 * `uncertain`, which costs a reconciliation. Dropping our idle sockets well before the shortest common
 * server timeout makes that race practically disappear while keeping reuse for bursts (pagination,
 * a queue being drained) where it saves a TLS handshake per request on a Pi.
 */
const IDLE_SOCKET_MS = 4000;

/**
 * Remembers which sockets of our own agents finished connecting (TCP for http, the TLS handshake for
 * https). Node buffers a request until then, so a failure on a socket that never got there proves
 * that no byte of the request reached the server: the difference between `unreachable` (re-send
 * freely) and `uncertain` (a touch may have been applied).
 */
export class ConnectionTracker {
  private readonly created = new WeakSet<object>();
  private readonly established = new WeakSet<object>();

  watch(socket: Duplex, readyEvent: 'connect' | 'secureConnect'): void {
    this.created.add(socket);
    socket.once(readyEvent, () => this.established.add(socket));
  }

  /** true/false for sockets of our agents; undefined for sockets we know nothing about. */
  wasEstablished(socket: unknown): boolean | undefined {
    if (typeof socket !== 'object' || socket === null || !this.created.has(socket)) return undefined;
    return this.established.has(socket);
  }
}

export interface TrackedAgents {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
  tracker: ConnectionTracker;
}

const agentOptions = {
  keepAlive: true,
  // Agent `timeout` is the idle timeout of pooled sockets (a request's own timeout replaces it while
  // the socket is in use).
  timeout: IDLE_SOCKET_MS,
  maxFreeSockets: 4,
  // The most recently used socket is the one least likely to have been closed by the server.
  scheduling: 'lifo' as const,
};

export function createTrackedAgents(): TrackedAgents {
  const tracker = new ConnectionTracker();

  class TrackedHttpAgent extends http.Agent {
    override createConnection(
      options: http.ClientRequestArgs,
      callback?: (err: Error | null, stream: Duplex) => void,
    ): Duplex | null | undefined {
      const socket = super.createConnection(options, callback);
      if (socket) tracker.watch(socket, 'connect');
      return socket;
    }
  }

  class TrackedHttpsAgent extends https.Agent {
    override createConnection(
      options: http.RequestOptions,
      callback?: (err: Error | null, stream: Duplex) => void,
    ): Duplex | null | undefined {
      const socket = super.createConnection(options, callback);
      if (socket) tracker.watch(socket, 'secureConnect');
      return socket;
    }
  }

  return {
    httpAgent: new TrackedHttpAgent(agentOptions),
    httpsAgent: new TrackedHttpsAgent(agentOptions),
    tracker,
  };
}
