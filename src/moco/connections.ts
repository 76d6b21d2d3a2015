import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { trustingCaFile } from './ca-file.js';

/**
 * How long an idle keep-alive socket may wait in the pool. Servers close idle connections on their own
 * schedule (Node's default is 5 s, many proxies use 5-60 s); a request written onto a socket the server
 * is closing at that moment fails with ECONNRESET, and since bytes went out we must call that
 * `uncertain`, which costs a reconciliation. Dropping our idle sockets well before the shortest common
 * server timeout makes that race practically disappear while keeping reuse for bursts (pagination,
 * a queue being drained) where it saves a TLS handshake per request on a Pi. Keeping a connection
 * warm for longer (keep-warm.ts) passes its own, from what the server is known to allow.
 */
export const IDLE_SOCKET_MS = 4000;

type ReadyEvent = 'connect' | 'secureConnect';

/**
 * Remembers which sockets of our own agents finished connecting (TCP for http, the TLS handshake for
 * https). Node buffers a request until then, so a failure on a socket that never got there proves
 * that no byte of the request reached the server: the difference between `unreachable` (re-send
 * freely) and `uncertain` (a touch may have been applied).
 */
export class ConnectionTracker {
  private readonly created = new WeakSet<object>();
  private readonly established = new WeakSet<object>();

  watch(socket: Duplex, readyEvent: ReadyEvent): void {
    this.created.add(socket);
    socket.once(readyEvent, () => this.established.add(socket));
  }

  /** true/false for sockets of our agents; undefined for sockets we know nothing about. */
  wasEstablished(socket: unknown): boolean | undefined {
    if (typeof socket !== 'object' || socket === null || !this.created.has(socket)) return undefined;
    return this.established.has(socket);
  }
}

export interface AgentOptions {
  /** `moco.caFile`: certificates trusted beside Node's built-in roots. */
  caFile?: string | null;
  /** How long an idle socket stays pooled (and a warmed one waits); default IDLE_SOCKET_MS. */
  idleSocketMs?: number;
}

export interface TrackedAgents {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
  tracker: ConnectionTracker;
  /**
   * Makes sure a connection to `origin` is ready for the next request, sending nothing on it: true
   * at once when the pool holds an idle one, else once a new one is connected (and, for https,
   * handshaken), false when that failed. The next request that finds no idle socket in the pool
   * takes it. Node issues the connect on the next tick: a caller that means to overlap it with
   * blocking work (an fsync) yields once before that work.
   */
  warm(origin: string): Promise<boolean>;
  /** Destroys pooled and warmed sockets. */
  destroy(): void;
}

/** Connection options as http.Agent.createSocket builds them; `_agentKey` is how https finds its TLS session cache. */
type ConnectOptions = http.ClientRequestArgs & { servername?: string; _agentKey?: string };

/** Where warm() connects for an origin, and the pool the connection goes to. */
interface WarmTarget {
  agent: http.Agent;
  key: string;
  connect: ConnectOptions;
  secure: boolean;
}

interface Spare {
  socket: Duplex;
  ready: Promise<boolean>;
  /** Removes what parking added, before the agent takes the socket over. */
  detach(): void;
}

/**
 * Connections opened ahead of a request, one per origin, for the agent to take instead of
 * connecting when a request finds no idle socket. Parked like an idle socket: unref'd (they must
 * not keep the process alive), and destroyed after the idle time.
 */
class Spares {
  private readonly byKey = new Map<string, Spare>();

  constructor(
    private readonly readyEvent: ReadyEvent,
    private readonly idleMs: number,
  ) {}

  take(key: string | undefined): Duplex | undefined {
    const spare = key === undefined ? undefined : this.byKey.get(key);
    if (spare === undefined || spare.socket.destroyed) return undefined;
    this.byKey.delete(key as string);
    spare.detach();
    return spare.socket;
  }

  park(key: string, connect: () => Duplex): Promise<boolean> {
    const existing = this.byKey.get(key);
    if (existing !== undefined && !existing.socket.destroyed) return existing.ready;
    const socket = connect() as Duplex & { setTimeout(ms: number): void; ref(): void; unref(): void };
    const forget = () => {
      if (this.byKey.get(key)?.socket === socket) this.byKey.delete(key);
    };
    // Failures end in 'close'; unhandled, an 'error' would crash the process.
    const ignore = () => {};
    const expire = () => socket.destroy();
    socket.on('error', ignore);
    socket.on('close', forget);
    socket.on('timeout', expire);
    socket.setTimeout(this.idleMs);
    socket.unref();
    const ready = new Promise<boolean>((resolve) => {
      socket.once(this.readyEvent, () => resolve(true));
      socket.once('close', () => resolve(false));
    });
    this.byKey.set(key, {
      socket,
      ready,
      detach: () => {
        socket.off('error', ignore);
        socket.off('close', forget);
        socket.off('timeout', expire);
        socket.setTimeout(0);
        socket.ref();
      },
    });
    return ready;
  }

  destroy(): void {
    for (const spare of this.byKey.values()) spare.socket.destroy();
    this.byKey.clear();
  }
}

export function createTrackedAgents(options: AgentOptions = {}): TrackedAgents {
  const tracker = new ConnectionTracker();
  const idleMs = options.idleSocketMs ?? IDLE_SOCKET_MS;
  const agentOptions = {
    keepAlive: true,
    // Node's default, said here because a warmed connection must be made as the agent makes its own.
    keepAliveMsecs: 1000,
    // Agent `timeout` is the idle timeout of pooled sockets (a request's own timeout replaces it while
    // the socket is in use). A server's `Keep-Alive: timeout=N` shortens it to N - 1 s on its own.
    timeout: idleMs,
    maxFreeSockets: 4,
    // The most recently used socket is the one least likely to have been closed by the server.
    scheduling: 'lifo' as const,
  };
  const httpSpares = new Spares('connect', idleMs);
  const httpsSpares = new Spares('secureConnect', idleMs);

  class TrackedHttpAgent extends http.Agent {
    override createConnection(
      connect: ConnectOptions,
      callback?: (err: Error | null, stream: Duplex) => void,
    ): Duplex | null | undefined {
      const spare = httpSpares.take(connect._agentKey);
      if (spare !== undefined) return spare;
      const socket = super.createConnection(connect, callback);
      if (socket) tracker.watch(socket, 'connect');
      return socket;
    }
  }

  class TrackedHttpsAgent extends https.Agent {
    override createConnection(
      connect: ConnectOptions,
      callback?: (err: Error | null, stream: Duplex) => void,
    ): Duplex | null | undefined {
      const spare = httpsSpares.take(connect._agentKey);
      if (spare !== undefined) return spare;
      const socket = super.createConnection(connect, callback);
      if (socket) tracker.watch(socket, 'secureConnect');
      return socket;
    }
  }

  const secureContext = options.caFile ? trustingCaFile(options.caFile) : undefined;
  const httpsOptions = { ...agentOptions, ...(secureContext === undefined ? {} : { secureContext }) };
  const httpAgent = new TrackedHttpAgent(agentOptions);
  const httpsAgent = new TrackedHttpsAgent(httpsOptions);

  // Worked out once per origin: warm() is asked on every tap, just before its commit.
  const targets = new Map<string, WarmTarget>();
  const targetOf = (origin: string): WarmTarget => {
    const url = new URL(origin);
    const secure = url.protocol === 'https:';
    const agent: http.Agent = secure ? httpsAgent : httpAgent;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    // As http.Agent.createSocket builds them (the agent's options, noDelay, TCP keep-alive), so
    // that the connection is the same and its pool key the one a request gets.
    const connect: ConnectOptions = {
      ...(secure ? httpsOptions : agentOptions),
      noDelay: true,
      host,
      port: Number(url.port || (secure ? 443 : 80)),
      ...(secure ? { servername: isIP(host) === 0 ? host : '' } : {}),
      keepAlive: true,
      keepAliveInitialDelay: agentOptions.keepAliveMsecs,
    } as ConnectOptions;
    const target = { agent, key: agent.getName(connect), connect, secure };
    targets.set(origin, target);
    return target;
  };

  return {
    httpAgent,
    httpsAgent,
    tracker,
    warm(origin) {
      const { agent, key, connect, secure } = targets.get(origin) ?? targetOf(origin);
      if ((agent.freeSockets[key]?.length ?? 0) > 0) return Promise.resolve(true);
      const spares = secure ? httpsSpares : httpSpares;
      const base = secure ? https.Agent.prototype : http.Agent.prototype;
      return spares.park(key, () => {
        const socket = base.createConnection.call(agent, { ...connect, _agentKey: key }) as Duplex;
        tracker.watch(socket, secure ? 'secureConnect' : 'connect');
        return socket;
      });
    },
    destroy() {
      httpSpares.destroy();
      httpsSpares.destroy();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
