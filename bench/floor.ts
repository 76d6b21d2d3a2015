import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import BetterSqlite3 from 'better-sqlite3';

/** Where the floor sends and writes: the daemon's MOCO (through the proxy) and a database of its own. */
export interface FloorTarget {
  baseUrl: string;
  /** The certificate the simulator serves; null over plain HTTP. */
  certFile: string | null;
  file: string;
}

/** The floor's two requests, wherever it runs. */
export interface FloorClient {
  /** One durable insert, then one touch with `key`: the milliseconds both took. */
  tap(key: string): Promise<number>;
  /** `GET /session` with `key`, to keep the connection open as keep-warm keeps the daemon's. */
  ping(key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The best any client can do: one durable insert (WAL, synchronous=FULL, as the journal opens
 * SQLite), then one touch on a connection that is already open, with Node's `http`/`https`.
 */
export class Floor implements FloorClient {
  private readonly db: BetterSqlite3.Database;
  private readonly insert: BetterSqlite3.Statement;
  private readonly agent: http.Agent;
  private readonly touchUrl: URL;
  private readonly sessionUrl: URL;

  constructor(target: FloorTarget) {
    this.db = new BetterSqlite3(target.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS taps (id INTEGER PRIMARY KEY, uid TEXT, at INTEGER)');
    this.insert = this.db.prepare('INSERT INTO taps (uid, at) VALUES (?, ?)');
    this.touchUrl = new URL(`${target.baseUrl}/users/presences/touch`);
    this.sessionUrl = new URL(`${target.baseUrl}/session`);
    this.agent =
      target.certFile === null
        ? new http.Agent({ keepAlive: true })
        : new https.Agent({ keepAlive: true, ca: readFileSync(target.certFile) });
  }

  async tap(key: string): Promise<number> {
    const started = performance.now();
    this.insert.run(key, Date.now());
    await this.request('POST', this.touchUrl, key, '{}');
    return performance.now() - started;
  }

  ping(key: string): Promise<void> {
    return this.request('GET', this.sessionUrl, key);
  }

  async close(): Promise<void> {
    this.agent.destroy();
    this.db.close();
  }

  private request(method: string, url: URL, key: string, body?: string): Promise<void> {
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<void>((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          agent: this.agent,
          headers: { authorization: `Token token=${key}`, 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** One floor tap, `gapMs` after the one before, as the daemon's taps are spaced. */
export async function floorTap(floor: FloorClient, key: string, gapMs: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, gapMs));
  return floor.tap(key);
}

/** The floor's taps one after the other, the first `warmUp` of them not counted. */
export async function measureFloor(
  floor: FloorClient,
  keys: string[],
  gapMs: number,
  warmUp: number,
): Promise<number[]> {
  const samples: number[] = [];
  for (const [index, key] of keys.entries()) {
    const ms = await floorTap(floor, key, gapMs);
    if (index >= warmUp) samples.push(ms);
  }
  return samples;
}

const CHILD = new URL('./floor-child.js', import.meta.url).pathname;

/**
 * The floor in a process of its own, as the daemon is one: the proxy that stands for the network
 * runs in the benchmark's process, and a client sharing that process and its event loop gets each
 * request to the proxy and each answer back without a process being woken (about 1 ms a tap at
 * p50 on the development machine, bench/README.md). No client of a real MOCO has that.
 */
export class FloorProcess implements FloorClient {
  private readonly answers: ((line: string) => void)[] = [];
  private readonly exited: Promise<void>;
  /** Each tap as the floor's process timed it, from its start to the touch's answer. */
  readonly inside: number[] = [];

  private constructor(private readonly child: ChildProcess) {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => this.answers.shift()?.(line));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static start(target: FloorTarget): FloorProcess {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(target)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new FloorProcess(child);
  }

  /**
   * Timed here, as the daemon's taps are: from the command written to its pipe to the answer read
   * from the other, so that the floor too is woken by what it is asked and reports through a pipe.
   */
  async tap(key: string): Promise<number> {
    const started = performance.now();
    const inside = Number(await this.ask({ op: 'tap', key }));
    const outside = performance.now() - started;
    this.inside.push(inside);
    return outside;
  }

  async ping(key: string): Promise<void> {
    await this.ask({ op: 'ping', key });
  }

  async close(): Promise<void> {
    this.child.stdin?.end();
    await this.exited;
  }

  private ask(command: { op: 'tap' | 'ping'; key: string }): Promise<string> {
    const answered = new Promise<string>((resolve) => this.answers.push(resolve));
    this.child.stdin?.write(`${JSON.stringify(command)}\n`);
    return Promise.race([
      answered,
      this.exited.then(() => {
        throw new Error('the floor process exited');
      }),
    ]);
  }
}
