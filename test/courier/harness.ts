import BetterSqlite3 from 'better-sqlite3';
import { Courier, type CourierDeps } from '../../src/courier/courier.js';
import { RateLimiter } from '../../src/courier/rate-limiter.js';
import { TimeTrust } from '../../src/courier/time-trust.js';
import { MocoClient } from '../../src/moco/client.js';
import { createTrackedAgents } from '../../src/moco/connections.js';
import { type HttpRequest, type HttpTransport, NodeHttpTransport } from '../../src/moco/http-transport.js';
import { DEMO_USERS, type Simulator, startSimulator } from '../../src/moco/sim/index.js';
import { MocoWatch } from '../../src/moco/watch.js';
import { runMigrations } from '../../src/store/database.js';
import { Journal, laneOf, type NewTap, type Tap } from '../../src/store/journal.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import type { Clock } from '../../src/time/clock.js';
import { LogCapture } from '../fakes/logger.js';
import { FakeMonotonic, FakeProbe } from '../fakes/sync.js';
import { VirtualTime } from '../fakes/virtual-time.js';
import { localToEpoch } from '../time/local-to-epoch.js';

export const BERLIN = 'Europe/Berlin';
/** A working day the taps of most tests fall on. */
export const DAY_OF = '2026-03-02';
/** One badge per demo user: uid -> user. */
export const BADGES = { A1: DEMO_USERS[0], B2: DEMO_USERS[1], C3: DEMO_USERS[2] } as const;
export type BadgeUid = keyof typeof BADGES;

export function memoryJournal(): { db: BetterSqlite3.Database; journal: Journal } {
  const db = new BetterSqlite3(':memory:');
  runMigrations(db, MIGRATIONS);
  return { db, journal: new Journal(db) };
}

/** A tap of a demo badge at a Berlin wall-clock minute, taken on a synchronised clock. */
export function tapOf(
  uid: BadgeUid | string,
  date: string,
  time: string,
  extra: Partial<NewTap> = {},
): NewTap {
  const user = BADGES[uid as BadgeUid];
  return {
    uid,
    userId: user?.id ?? null,
    userName: user === undefined ? null : user.firstname,
    atMs: localToEpoch(date, time, BERLIN),
    localDate: date,
    localTime: time,
    clockSynced: true,
    monoNs: null,
    bootId: null,
    ...extra,
  };
}

export interface Rig {
  /** The clock (unless the test brought its own) and every timer of courier, client and simulator. */
  time: VirtualTime;
  sim: Simulator;
  journal: Journal;
  db: BetterSqlite3.Database;
  courier: Courier;
  logs: LogCapture;
  keys: Map<string, string>;
  timeTrust: TimeTrust;
  probe: FakeProbe;
  mono: FakeMonotonic;
  /** Journals a tap; `touch`: with its live touch, as the courier would send it now. */
  append(tap: NewTap, options?: { touch: boolean }): Tap;
  /**
   * A tap as the kiosk journals it at the door: MOCO's clock set to its minute (a live touch books
   * MOCO's "now"), journaled as a touch when the courier would send one at once.
   */
  live(uid: BadgeUid | string, time: string, date?: string): Tap;
  /** Moves the simulator's clock to a local minute (a few seconds into it), running on from there. */
  simAt(time: string, date?: string): void;
  /**
   * What the simulator was asked to change, in order: `touch 1001`, `open 1001 2026-03-02 08:00`,
   * `close 1001 12:30`, `discard 1001` ('?' for a request no user was authenticated for).
   */
  writes(): string[];
  /**
   * Runs time on, timer by timer, until `check` passes (it throws until then, as an expect does),
   * letting loopback I/O settle before each check; fails with check's error once `limitMs` of
   * virtual time passed, or no timer is left to fire.
   */
  until<T>(check: () => T, limitMs?: number): Promise<T>;
  /** The value of `promise`, running time on until it settles. */
  settle<T>(promise: Promise<T>, limitMs?: number): Promise<T>;
  close(): Promise<void>;
}

export interface RigOptions {
  sim?: Partial<Parameters<typeof startSimulator>[0]>;
  /** A simulator the test owns (it outlives the rig), instead of a new one. */
  simulator?: Simulator;
  courier?: Partial<CourierDeps>;
  journal?: { db: BetterSqlite3.Database; journal: Journal };
  clock?: Clock;
  limiter?: RateLimiter;
  timeoutMs?: number;
  /** The rig's virtual time, when the test needs it before the rig exists. */
  time?: VirtualTime;
}

/**
 * The real courier against the real simulator over loopback, on virtual time: backoffs, settle
 * times, request deadlines and the simulator's delays pass when the test runs time on.
 */
export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const time = options.time ?? new VirtualTime();
  const clock = options.clock ?? time;
  const sim =
    options.simulator ??
    (await startSimulator({ port: 0, timeZone: BERLIN, clock: time, timers: time, ...options.sim }));
  const { db, journal } = options.journal ?? memoryJournal();
  const logs = new LogCapture();
  const watch = new MocoWatch(clock);
  const http = new CountingTransport(new NodeHttpTransport(createTrackedAgents(), time));
  const client = new MocoClient(
    {
      baseUrl: sim.baseUrl,
      timeoutMs: options.timeoutMs ?? 2_000,
      clock,
      timers: time,
      onAnswer: (answer) => watch.record(answer),
    },
    http,
  );
  const keys = new Map<string, string>(
    Object.entries(BADGES).map(([uid, user]) => [uid, user?.apiKey ?? '']),
  );
  const probe = new FakeProbe();
  const mono = new FakeMonotonic();
  const timeTrust = new TimeTrust({
    probe,
    mono,
    clock,
    journal,
    timeZone: BERLIN,
    logger: logs.logger,
    mocoOffsetMs: () => watch.offsetMs(),
  });
  const limiter = options.limiter ?? new RateLimiter({ requests: 10_000, windowMs: 1_000 }, clock, time);
  const courier = new Courier({
    journal,
    client,
    credentialsFor: (tap) => {
      const apiKey = keys.get(tap.uid);
      return apiKey === undefined ? null : { apiKey };
    },
    limiter,
    timeTrust,
    watch,
    clock,
    timers: time,
    logger: logs.logger,
    timeZone: BERLIN,
    feedbackTimeoutMs: 1_000,
    settleMs: 20,
    backoff: { baseMs: 20, capMs: 200 },
    ...options.courier,
  });
  const simAt = (at: string, date: string) =>
    sim.setOffsetMs(localToEpoch(date, at, BERLIN) + 5_000 - time.now());
  // Loopback I/O is still under way while a request is out that the simulator is not sitting
  // out a delay for, or the simulator is working on one.
  const quiet = () => {
    const activity = sim.activity();
    return activity.working === 0 && http.inFlight === activity.waiting;
  };
  const until = async <T>(check: () => T, limitMs = 600_000): Promise<T> => {
    const deadline = time.now() + limitMs;
    for (;;) {
      await settleIo(quiet);
      try {
        return check();
      } catch (error) {
        const next = time.nextAt();
        if (next === null || next > deadline) throw error;
        time.step();
      }
    }
  };
  return {
    time,
    sim,
    journal,
    db,
    courier,
    logs,
    keys,
    timeTrust,
    probe,
    mono,
    append: (tap, appendOptions) => {
      if (appendOptions?.touch !== true) return journal.append(tap);
      const closes = journal.openPresenceOf(laneOf(tap))?.presenceId ?? null;
      return journal.append(tap, { uncertain: { intent: { op: 'touch', closes }, at: clock.now() } });
    },
    live(uid, time, date = DAY_OF) {
      simAt(time, date);
      const tap = tapOf(uid, date, time);
      return journal.append(tap, { uncertain: courier.touchFor(laneOf(tap), date) });
    },
    simAt: (time, date = DAY_OF) => simAt(time, date),
    writes: () => writesOf(sim),
    until,
    async settle<T>(promise: Promise<T>, limitMs?: number): Promise<T> {
      let outcome: { value: T } | { error: unknown } | null = null;
      promise.then(
        (value) => {
          outcome = { value };
        },
        (error: unknown) => {
          outcome = { error };
        },
      );
      const done = await until(() => {
        if (outcome === null) throw new Error('the promise did not settle');
        return outcome;
      }, limitMs);
      if ('error' in done) throw done.error;
      return done.value;
    },
    async close() {
      await courier.stop();
      limiter.stop();
      client.close();
      http.close();
      if (options.simulator === undefined) await sim.close();
      if (db.open) db.close();
    },
  };
}

/** See Rig.writes. */
export function writesOf(sim: Simulator): string[] {
  return sim.requests().flatMap((r) => {
    const user = r.userId ?? '?';
    const body = (r.body ?? {}) as { date?: string; from?: string; to?: string };
    if (r.method === 'POST' && r.path.endsWith('/presences/touch')) return [`touch ${user}`];
    if (r.method === 'POST' && r.path.endsWith('/presences'))
      return [`open ${user} ${body.date} ${body.from}`];
    if (r.method === 'PUT' || r.method === 'PATCH') return [`close ${user} ${body.to}`];
    if (r.method === 'DELETE') return [`discard ${user}`];
    return [];
  });
}

/** Presences without ids and timestamps, to compare two runs. */
export function bookings(sim: Simulator): string[] {
  return sim.presences().map((p) => `${p.user.id} ${p.date} ${p.from}-${p.to ?? ''}`);
}

/** Counts the exchanges under way, so a test can tell when loopback I/O has settled. */
class CountingTransport implements HttpTransport {
  inFlight = 0;

  constructor(private readonly inner: HttpTransport) {}

  async send(request: HttpRequest) {
    this.inFlight += 1;
    try {
      return await this.inner.send(request);
    } finally {
      this.inFlight -= 1;
    }
  }

  warm(origin: string) {
    return this.inner.warm(origin);
  }

  close() {
    this.inner.close();
  }
}

/**
 * Waits, on real time, until `quiet` has held for a few turns of the event loop: what a request
 * or an answer starts runs within those turns. Ten seconds without that is a hang.
 */
async function settleIo(quiet: () => boolean): Promise<void> {
  const started = performance.now();
  for (let calm = 0; calm < 3; ) {
    await new Promise((resolve) => setImmediate(resolve));
    if (quiet()) {
      calm += 1;
      continue;
    }
    calm = 0;
    if (performance.now() - started > 10_000) throw new Error('loopback I/O did not settle in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
