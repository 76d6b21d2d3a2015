import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DelayProxy } from './delay-proxy.js';
import { BENCH_CLI, type BenchKiosk, type BenchKioskOptions, benchKiosk } from './fixture.js';
import { Floor, type FloorClient, FloorProcess, type FloorTarget, floorTap, measureFloor } from './floor.js';
import { PtyReader } from './pty-reader.js';
import { ms, percentile } from './stats.js';
import { selfSignedCertificate } from './tls.js';

/** After each answer: at a door taps are seconds apart, and the previous tap's after-work must not be billed to the next. */
const GAP_MS = 20;
/** Taps (and floor requests) before the timed ones: JIT, prepared statements, the pool. */
const WARM_UP = 20;

type Transport = 'http' | 'https';
type Connection = 'warm' | 'cold';

export interface Figures {
  p50: number;
  p99: number;
}

export interface Scenario extends Figures {
  /** New TCP connections through the proxy per timed tap. */
  connectionsPerTap: number;
}

export interface RealPathRow {
  transport: Transport;
  roundTripMs: number;
  /**
   * The floor in a process of its own, as the daemon is one, timed from here as the daemon's taps
   * are (FloorProcess.tap): what the ratios are against.
   */
  floor: Figures;
  /** The same taps as the floor's process timed them itself: without being woken and reporting. */
  floorInside: Figures;
  /** The floor in this process, the proxy's, as measured before (FloorProcess says why not any more). */
  floorInProcess: Figures;
  warm: Scenario;
  cold: Scenario;
}

export interface RealPathResult {
  taps: number;
  rows: RealPathRow[];
  /** One-minute load average when the run started and when it ended. */
  load: [number, number];
}

/**
 * The tap through the real process: a serial reader on a pseudo-terminal, `moco-timeclock run`
 * as a child, the simulator as another, a delaying proxy between them; for plain HTTP and HTTPS,
 * with each round-trip time, on a warm connection (taps close together) and a cold one (the
 * proxy closes every connection after each answer, as a server's idle timeout does between taps
 * minutes apart). Beside each, the floor over the same proxy and transport.
 */
export async function benchRealPath(taps: number, roundTrips: number[]): Promise<RealPathResult> {
  const start = loadavg()[0] as number;
  const rows: RealPathRow[] = [];
  for (const transport of ['http', 'https'] as const)
    rows.push(...(await benchTransport(transport, taps, roundTrips)));
  return { taps, rows, load: [start, loadavg()[0] as number] };
}

async function benchTransport(
  transport: Transport,
  taps: number,
  roundTrips: number[],
): Promise<RealPathRow[]> {
  const perScenario = WARM_UP + taps;
  // Every tap and every floor request is another person's first of the day: each is a clock-in.
  const path = await openRealPath(transport, perScenario * 4 * roundTrips.length, {
    // The figures of the daemon as it answers a tap, not of what keeps its connection open.
    moco: ['keepWarm: { share: 0 }'],
  });
  const { kiosk, daemon, pty, proxy: via } = path;
  try {
    const floor = FloorProcess.start(floorTarget(path, 'floor.db'));
    const inProcess = new Floor(floorTarget(path, 'floor-in-process.db'));
    const rows: RealPathRow[] = [];
    let next = 0;
    const people = (count: number) => {
      const first = next;
      next += count;
      return Array.from({ length: count }, (_, i) => first + i);
    };
    for (const roundTripMs of roundTrips) {
      via.setRoundTripMs(roundTripMs);
      // Warm: the daemon's tap, then the floor's, then the in-process floor's, and again: all three
      // meet the same moments of the machine (a VM whose neighbours come and go), so that a noisy
      // stretch does not land in one scenario only.
      const floorSamples: number[] = [];
      const insideSamples: number[] = [];
      const inProcessSamples: number[] = [];
      const scenario = async (connection: Connection): Promise<Scenario> => {
        const samples: number[] = [];
        let connectionsBefore = 0;
        for (const [i, person] of people(perScenario).entries()) {
          if (i === WARM_UP) connectionsBefore = via.connections;
          const latency = await daemon.tap(pty, kiosk.uidOf(person));
          if (i >= WARM_UP) samples.push(latency);
          if (connection === 'cold') {
            via.dropConnections();
            continue;
          }
          const own = await floorTap(floor, keyOf(kiosk, people(1)[0] as number), GAP_MS);
          const here = await floorTap(inProcess, keyOf(kiosk, people(1)[0] as number), GAP_MS);
          if (i < WARM_UP) continue;
          floorSamples.push(own);
          insideSamples.push(floor.inside.at(-1) as number);
          inProcessSamples.push(here);
        }
        return { ...figures(samples), connectionsPerTap: (via.connections - connectionsBefore) / taps };
      };
      const warm = await scenario('warm');
      const cold = await scenario('cold');
      rows.push({
        transport,
        roundTripMs,
        floor: figures(floorSamples),
        floorInside: figures(insideSamples),
        floorInProcess: figures(inProcessSamples),
        warm,
        cold,
      });
    }
    await floor.close();
    await inProcess.close();
    return rows;
  } finally {
    await path.close();
  }
}

/** The scaled MOCO of the silence scenario: idle connections closed after IDLE_SECONDS, a 12 s window. */
const IDLE_SECONDS = 7;
const SILENCE_LIMIT = { requests: 120, perSeconds: 12 };
const SHARE = 0.03;
/** How often the floor keeps its own connection open in the silences: as keep-warm does (7 s - 2 s). */
const KEEP_EVERY_MS = (IDLE_SECONDS - 2) * 1000;
/** Spreads the silences evenly over keep-warm's interval, the same spread in every run. */
const GOLDEN = 0.618_034;

export interface SilenceResult {
  taps: number;
  silenceMs: number;
  roundTripMs: number;
  floor: Figures;
  /** The floor after the same silences, its connection kept open the same way; timed from here. */
  floorAfter: Figures;
  /** The same, as the floor's process timed its taps itself. */
  floorAfterInside: Figures;
  tap: Scenario;
  /** Keep-warm requests (GET /session) MOCO answered while the timed taps were silent. */
  keepWarmRequests: number;
  spanMs: number;
}

/**
 * Taps after silences longer than the server keeps an idle connection, with keep-warm on: over
 * HTTPS with the added round trip, at a time scale of 1:10 (a MOCO closing idle connections after
 * 60 s and a rate limit of 120 per 120 s become 6 s and 120 per 12 s, so a silence of 20 s stands
 * for one of 200 s; a longer silence changes nothing once the connection is kept).
 */
export async function benchSilence(
  taps: number,
  silenceMs: number,
  roundTripMs: number,
): Promise<SilenceResult> {
  const path = await openRealPath('https', WARM_UP * 2 + 2 * taps + 1, {
    simArgs: ['--keep-alive-seconds', String(IDLE_SECONDS)],
    rateLimit: SILENCE_LIMIT,
    moco: [`keepWarm: { share: ${SHARE}, idleSeconds: ${IDLE_SECONDS} }`],
  });
  const { kiosk, daemon, pty, proxy: via } = path;
  try {
    if (!daemon.startup.includes('"msg":"keeping a connection to MOCO ready"')) {
      throw new Error(`keep-warm is off in the silence scenario:\n${daemon.startup}`);
    }
    via.setRoundTripMs(roundTripMs);
    const floor = FloorProcess.start(floorTarget(path, 'floor.db'));
    const floorFigures = figures(
      await measureFloor(
        floor,
        Array.from({ length: WARM_UP * 2 }, (_, i) => keyOf(kiosk, i)),
        GAP_MS,
        WARM_UP,
      ),
    );
    const person = (i: number) => WARM_UP * 2 + i;
    const floorPerson = (i: number) => WARM_UP * 2 + taps + i;
    // The first tap gives keep-warm a key MOCO accepted: until then it has nothing to ask with.
    await daemon.tap(pty, kiosk.uidOf(person(0)));
    const sessions = () => kiosk.simRequests.get('GET /api/v1/session') ?? 0;
    const sessionsBefore = sessions();
    const started = performance.now();
    const samples: number[] = [];
    const floorSamples: number[] = [];
    let connections = 0;
    let floorPings = 0;
    // Alternating, so that the daemon and the floor meet the same machine after the same silence.
    for (let i = 1; i <= taps; i += 1) {
      // At a door a tap comes at any moment of keep-warm's interval. A silence that is a whole
      // number of intervals (20 s against 5 s) met keep-warm's request on the way every time.
      const silence = silenceMs + ((i * GOLDEN) % 1) * KEEP_EVERY_MS;
      await new Promise((resolve) => setTimeout(resolve, silence));
      const before = via.connections;
      samples.push(await daemon.tap(pty, kiosk.uidOf(person(i))));
      connections += via.connections - before;
      const after = await floorAfterSilence(floor, keyOf(kiosk, floorPerson(i)), silence, KEEP_EVERY_MS);
      floorSamples.push(after.ms);
      floorPings += after.pings;
    }
    await floor.close();
    return {
      taps,
      silenceMs,
      roundTripMs,
      floor: floorFigures,
      floorAfter: figures(floorSamples),
      floorAfterInside: figures(floor.inside.slice(-taps)),
      tap: { ...figures(samples), connectionsPerTap: connections / taps },
      keepWarmRequests: sessions() - sessionsBefore - floorPings,
      spanMs: performance.now() - started,
    };
  } finally {
    await path.close();
  }
}

export function describeSilence(r: SilenceResult): string {
  const windows = r.spanMs / (SILENCE_LIMIT.perSeconds * 1000);
  const perWindow = r.keepWarmRequests / windows;
  return [
    `after silence, keep-warm on (HTTPS, ${r.roundTripMs} ms round trip added, at 1:10 time: MOCO closes idle connections after ${IDLE_SECONDS} s, rate limit ${SILENCE_LIMIT.requests} per ${SILENCE_LIMIT.perSeconds} s, share ${SHARE * 100} %):`,
    `    floor (its own process), back to back p50 ${ms(r.floor.p50).padStart(9)}  p99 ${ms(r.floor.p99).padStart(9)}`,
    `    floor (its own process), after the silence p50 ${ms(r.floorAfter.p50).padStart(9)}  max ${ms(r.floorAfter.p99).padStart(9)}  (its connection kept open as keep-warm keeps the daemon's)`,
    `    (the same taps as the floor's process timed them: p50 ${ms(r.floorAfterInside.p50)}  max ${ms(r.floorAfterInside.p99)}; ${(r.tap.p50 / r.floorAfterInside.p50).toFixed(2)}x / ${(r.tap.p99 / r.floorAfterInside.p99).toFixed(2)}x)`,
    `    ${r.taps} taps, each after ${r.silenceMs / 1000}-${(r.silenceMs + KEEP_EVERY_MS) / 1000} s of silence: p50 ${ms(r.tap.p50)}  max ${ms(r.tap.p99)}: ${(r.tap.p50 / r.floorAfter.p50).toFixed(2)}x / ${(r.tap.p99 / r.floorAfter.p99).toFixed(2)}x the floor after silence (${(r.tap.p50 / r.floor.p50).toFixed(2)}x / ${(r.tap.p99 / r.floor.p99).toFixed(2)}x back to back), ${r.tap.connectionsPerTap.toFixed(2)} connections per tap`,
    `    keep-warm: ${r.keepWarmRequests} requests in ${(r.spanMs / 1000).toFixed(0)} s = ${perWindow.toFixed(2)} per window, ${((perWindow / SILENCE_LIMIT.requests) * 100).toFixed(1)} % of the rate limit`,
  ].join('\n');
}

interface RealPath {
  kiosk: BenchKiosk;
  daemon: DaemonProcess;
  pty: PtyReader;
  proxy: DelayProxy;
  /** The certificate the simulator serves and the daemon trusts; null over plain HTTP. */
  certFile: string | null;
  close(): Promise<void>;
}

/**
 * `moco-timeclock run` reading RDM6300 frames from a pty, the simulator in its own process behind
 * the delaying proxy; over HTTPS with a certificate made for the run, trusted through moco.caFile.
 */
async function openRealPath(
  transport: Transport,
  people: number,
  options: { simArgs?: string[]; rateLimit?: BenchKioskOptions['rateLimit']; moco: string[] },
): Promise<RealPath> {
  const certDir = mkdtempSync(join(tmpdir(), 'moco-bench-tls-'));
  const tls = transport === 'https' ? selfSignedCertificate(certDir) : null;
  const pty = await PtyReader.open();
  let proxy: DelayProxy | undefined;
  const kiosk = await benchKiosk(people, {
    separateSim: true,
    simArgs: [
      ...(tls === null ? [] : ['--tls-cert', tls.certFile, '--tls-key', tls.keyFile]),
      ...(options.simArgs ?? []),
    ],
    route: async (simBaseUrl) => {
      const url = new URL(simBaseUrl);
      proxy = await DelayProxy.start({ host: url.hostname, port: Number(url.port) });
      url.port = String(proxy.port);
      return url.href;
    },
    reader: `{ type: serial, path: "${pty.path}", protocol: rdm6300 }`,
    rateLimit: options.rateLimit,
    moco: [...(tls === null ? [] : [`caFile: "${tls.certFile}"`]), ...options.moco],
  });
  const close = async (daemon?: DaemonProcess) => {
    await daemon?.stop();
    pty.close();
    await proxy?.close();
    await kiosk.cleanup();
    rmSync(certDir, { recursive: true, force: true });
  };
  let daemon: DaemonProcess;
  try {
    daemon = await DaemonProcess.start(kiosk);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    kiosk,
    daemon,
    pty,
    proxy: proxy as DelayProxy,
    certFile: tls?.certFile ?? null,
    close: () => close(daemon),
  };
}

function figures(samples: number[]): Figures {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** `moco-timeclock run` as a child, its scan lines stamped the moment they arrive here. */
export class DaemonProcess {
  private readonly waiting = new Map<string, (at: bigint) => void>();
  private readonly exited: Promise<void>;

  /** What the daemon logged up to `ready`. */
  startup = '';

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(kiosk: BenchKiosk): Promise<DaemonProcess> {
    // `BENCH_DAEMON_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"` shows where the daemon's time goes.
    const nodeArgs = (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
    const args = [...nodeArgs, BENCH_CLI, 'run', '--config', kiosk.config.configPath];
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const daemon = new DaemonProcess(child);
    let started = () => {};
    const ready = new Promise<void>((resolve) => {
      started = resolve;
    });
    let seen = '';
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const at = process.hrtime.bigint();
      if (line.includes('"msg":"scan"')) {
        const uid = (JSON.parse(line) as { uid: string }).uid;
        daemon.waiting.get(uid)?.(at);
        daemon.waiting.delete(uid);
      } else {
        seen += `${line}\n`;
        // The reader opens its port before the daemon says ready.
        if (line.includes('"msg":"ready"')) {
          daemon.startup = seen;
          started();
        }
      }
    });
    await Promise.race([
      ready,
      daemon.exited.then(() => {
        throw new Error(`moco-timeclock run exited before ready:\n${seen}`);
      }),
    ]);
    return daemon;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Milliseconds from the frame written to the pty to the tap's scan line. */
  async tap(pty: PtyReader, uid: string): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    const scanned = new Promise<bigint>((resolve) => this.waiting.set(uid, resolve));
    const gone = this.exited.then(() => {
      throw new Error(`moco-timeclock run exited while ${uid} waited for its answer`);
    });
    const [written, answered] = await Promise.race([Promise.all([pty.tap(uid), scanned]), gone]);
    return Number(answered - written) / 1e6;
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

function keyOf(kiosk: BenchKiosk, person: number): string {
  return (kiosk.users[person] as { apiKey: string }).apiKey;
}

function floorTarget(path: RealPath, file: string): FloorTarget {
  return {
    baseUrl: path.kiosk.config.moco.baseUrl as string,
    certFile: path.certFile,
    file: join(path.kiosk.dir, file),
  };
}

/**
 * One floor tap after `silenceMs` in which its connection was kept open by a `GET /session` every
 * `keepEveryMs`, as keep-warm keeps the daemon's: the floor after silence.
 */
async function floorAfterSilence(
  floor: FloorClient,
  key: string,
  silenceMs: number,
  keepEveryMs: number,
): Promise<{ ms: number; pings: number }> {
  let waited = 0;
  let pings = 0;
  for (; waited + keepEveryMs < silenceMs; waited += keepEveryMs) {
    await new Promise((resolve) => setTimeout(resolve, keepEveryMs));
    await floor.ping(key);
    pings += 1;
  }
  await new Promise((resolve) => setTimeout(resolve, silenceMs - waited));
  return { ms: await floor.tap(key), pings };
}

export function describeRealPath(result: RealPathResult): string {
  const row = (label: string, f: Figures, floor?: Figures, perTap?: number) =>
    [
      `    ${label.padEnd(6)}p50 ${ms(f.p50).padStart(9)}  p99 ${ms(f.p99).padStart(9)}`,
      floor === undefined
        ? '  (durable insert + request on an open connection, no daemon)'
        : `  ${(f.p50 / floor.p50).toFixed(2)}x / ${(f.p99 / floor.p99).toFixed(2)}x the floor, ${perTap?.toFixed(2)} connections per tap`,
    ].join('');
  const lines = [
    `real path, ${result.taps} taps each: RDM6300 frame written to a pty -> moco-timeclock run -> proxy -> moco-timeclock sim -> scan line`,
    `  (load average ${result.load[0].toFixed(2)} at the start, ${result.load[1].toFixed(2)} at the end; ratios are p50 / p99 against the floor's, measured in a process of its own)`,
  ];
  for (const r of result.rows) {
    lines.push(`  ${r.transport.toUpperCase()}, ${r.roundTripMs} ms round trip added:`);
    lines.push(row('floor', r.floor));
    lines.push(
      `    (the same floor as its own process times it: p50 ${ms(r.floorInside.p50)}  p99 ${ms(r.floorInside.p99)}; ${(r.warm.p50 / r.floorInside.p50).toFixed(2)}x / ${(r.warm.p99 / r.floorInside.p99).toFixed(2)}x warm)`,
      `    (the floor in this process, the proxy's, as measured before: p50 ${ms(r.floorInProcess.p50)}  p99 ${ms(r.floorInProcess.p99)}; ${(r.warm.p50 / r.floorInProcess.p50).toFixed(2)}x / ${(r.warm.p99 / r.floorInProcess.p99).toFixed(2)}x warm)`,
    );
    lines.push(row('warm', r.warm, r.floor, r.warm.connectionsPerTap));
    lines.push(row('cold', r.cold, r.floor, r.cold.connectionsPerTap));
  }
  return lines.join('\n');
}
