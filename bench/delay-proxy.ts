import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy that makes loopback look like a network: every chunk arrives half the round-trip
 * time after it was sent, and a new connection carries nothing for a whole round trip first, as
 * TCP's handshake would make it (SYN, SYN-ACK). So a cold HTTP request costs two round trips, a
 * cold HTTPS one three (TLS 1.3 adds one), a request on an open connection one, as over the
 * internet; and on one machine, cold and warm can be told apart.
 */
export class DelayProxy {
  private roundTripMs = 0;
  private readonly open = new Set<Socket>();
  /** Connections accepted so far. */
  connections = 0;

  private constructor(private readonly server: Server) {}

  static async start(target: { host: string; port: number }): Promise<DelayProxy> {
    const server = createServer();
    const proxy = new DelayProxy(server);
    server.on('connection', (client) => proxy.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Applies to connections made from now on and to data sent from now on. */
  setRoundTripMs(ms: number): void {
    this.roundTripMs = ms;
  }

  /** Closes every connection, as a server's idle timeout would: the next request must connect anew. */
  dropConnections(): void {
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    this.connections += 1;
    client.setNoDelay(true);
    const upstream = connect(target);
    upstream.setNoDelay(true);
    const oneWay = () => this.roundTripMs / 2;
    // What the client sends cannot have left before the handshake's round trip was over.
    const toServer = new DelayedPipe(upstream, oneWay, performance.now() + this.roundTripMs);
    const toClient = new DelayedPipe(client, oneWay, 0);
    client.on('data', (chunk: Buffer) => toServer.push(chunk));
    upstream.on('data', (chunk: Buffer) => toClient.push(chunk));
    client.on('end', () => toServer.push(null));
    upstream.on('end', () => toClient.push(null));
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        other.destroy();
        this.open.delete(socket);
      });
      this.open.add(socket);
    }
  }
}

/** Writes each chunk (null: the end) to `to` after the delay, in order. */
class DelayedPipe {
  private readonly queue: { due: number; chunk: Buffer | null }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastDue = 0;

  constructor(
    private readonly to: Socket,
    private readonly delayMs: () => number,
    private readonly notBefore: number,
  ) {}

  push(chunk: Buffer | null): void {
    const now = performance.now();
    const due = Math.max(now + this.delayMs(), this.notBefore, this.lastDue);
    this.lastDue = due;
    // Without a delay, straight through: a timer of 0 ms would still cost a turn of the loop.
    if (due <= now && this.queue.length === 0) {
      this.write(chunk);
      return;
    }
    this.queue.push({ due, chunk });
    if (this.timer === null) this.arm(now);
  }

  private arm(now: number): void {
    const head = this.queue[0];
    if (head === undefined) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, head.due - now));
  }

  private flush(): void {
    this.timer = null;
    const now = performance.now();
    // Timers fire on whole milliseconds: what is due within the next one goes now.
    while (this.queue.length > 0 && (this.queue[0]?.due ?? 0) <= now + 0.5) {
      this.write(this.queue.shift()?.chunk ?? null);
    }
    this.arm(now);
  }

  private write(chunk: Buffer | null): void {
    if (this.to.destroyed) return;
    if (chunk === null) this.to.end();
    else this.to.write(chunk);
  }
}
