import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import {
  type SimUser,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from '../../src/moco/sim/index.js';
import { databasePath } from '../../src/store/database.js';
import { openStores } from '../../src/store/open.js';
import { type DaemonStatus, readDaemonStatus } from '../../src/store/status.js';
import { systemClock } from '../../src/time/clock.js';
import { localParts } from '../../src/time/local.js';
import { JsonLines, type LogLine } from './lines.js';

/**
 * Helpers for tests that run `moco-timeclock` as processes against the simulator on loopback and
 * read what they say: the daemon's JSON log lines, the admin commands' output and exit codes.
 */

const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist', 'cli.js');
/**
 * The kiosk's and MOCO's zone: one whose local time is about noon while the tests run, so that no
 * test runs into midnight (MOCO's presences belong to one date) or a DST change, whenever CI runs.
 */
export const TIME_ZONE = noonZone(Date.now());

function noonZone(now: number): string {
  const hoursAhead = 12 - new Date(now).getUTCHours();
  // Etc/GMT names count the other way round: Etc/GMT-2 is two hours ahead of UTC.
  return hoursAhead === 0 ? 'Etc/UTC' : `Etc/GMT${hoursAhead > 0 ? '-' : '+'}${Math.abs(hoursAhead)}`;
}
/** Who an admin command says it ran as (`queue drop` logs it). */
export const ADMIN_USER = 'integration-admin';
const WAIT_MS = 8_000;

/**
 * The tests run the built CLI (`npm run build` first); a checkout without `dist/` gets it built.
 * tsc emits despite type errors elsewhere, so only a missing CLI afterwards is a failure.
 */
export function ensureBuilt(): void {
  if (existsSync(CLI)) return;
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  if (!existsSync(CLI)) throw new Error(`building failed: no ${CLI}`);
}

export interface Kiosk {
  dir: string;
  configPath: string;
  dataDir: string;
  /** Removes the kiosk's directory. */
  remove(): void;
}

export interface KioskOptions {
  baseUrl: string;
  repeatGuardSeconds?: number;
  rateLimit?: { requests: number; perSeconds: number };
  /** More keys of the `moco` section, as YAML flow entries: `identity: impersonation`. */
  moco?: string[];
  /** More top-level lines of the configuration. */
  extra?: string[];
}

/** A fresh installation in a temporary directory: a configuration pointing at the simulator, no data yet. */
export function createKiosk(options: KioskOptions): Kiosk {
  const dir = mkdtempSync(join(tmpdir(), 'moco-timeclock-it-'));
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'config.yaml');
  writeConfig(
    configPath,
    [
      `moco: { ${[
        `baseUrl: "${options.baseUrl}"`,
        'timeoutMs: 1000',
        'settleMs: 2000',
        ...(options.rateLimit === undefined
          ? []
          : [
              `rateLimit: { requests: ${options.rateLimit.requests}, perSeconds: ${options.rateLimit.perSeconds} }`,
            ]),
        ...(options.moco ?? []),
      ].join(', ')} }`,
      `timezone: ${TIME_ZONE}`,
      `dataDir: "${dataDir}"`,
      'reader: { type: stdin }',
      `scan: { debounceMs: ${DEBOUNCE_MS}, repeatGuardSeconds: ${options.repeatGuardSeconds ?? 60}, feedbackTimeoutMs: 1500 }`,
      'signals: { driver: none }',
      'log: { level: info }',
      ...(options.extra ?? []),
    ].join('\n'),
  );
  return { dir, configPath, dataDir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const DEBOUNCE_MS = 200;

export function writeConfig(path: string, text: string): void {
  writeFileSync(path, `${text}\n`);
}

export interface BadgeInput {
  uid: string;
  apiKey: string;
  userId?: number | null;
  userName?: string | null;
}

/** Enrols badges in-process, as `badge add` would, before the daemon starts. */
export function enrol(kiosk: Kiosk, ...badges: BadgeInput[]): void {
  const stores = openStores({ config: kiosk, env: {}, clock: systemClock });
  try {
    for (const badge of badges) {
      stores.badges.add({
        uid: badge.uid,
        userId: badge.userId ?? null,
        userName: badge.userName ?? null,
        apiKey: badge.apiKey,
      });
    }
  } finally {
    stores.close();
  }
}

/** A demo user's badge as the tests enrol it: their key, MOCO id and name. */
export function badgeOf(uid: string, user: SimUser): BadgeInput {
  return { uid, apiKey: user.apiKey, userId: user.id, userName: `${user.firstname} ${user.lastname}` };
}

export interface OpenKiosk {
  sim: Simulator;
  kiosk: Kiosk;
}

/** A simulator of its own (MOCO without presences or requests) and a fresh kiosk with these badges. */
export async function openKiosk(
  options: {
    sim?: Omit<SimulatorOptions, 'port' | 'timeZone'>;
    kiosk?: Omit<KioskOptions, 'baseUrl'>;
    badges?: BadgeInput[];
  } = {},
): Promise<OpenKiosk> {
  const sim = await startSimulator({ port: 0, timeZone: TIME_ZONE, ...options.sim });
  const kiosk = createKiosk({ baseUrl: sim.baseUrl, ...options.kiosk });
  if (options.badges !== undefined) enrol(kiosk, ...options.badges);
  return { sim, kiosk };
}

/** After a test: its daemons killed, the kiosk removed, the simulator closed. */
export async function closeKiosk(
  { sim, kiosk }: OpenKiosk,
  daemons: (DaemonProcess | null)[],
): Promise<void> {
  for (const daemon of daemons) await daemon?.kill9();
  kiosk.remove();
  await sim.close();
}

/** The environment of every child: nothing of the developer's (systemd sockets, credentials, config path). */
function childEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, USER: ADMIN_USER };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DaemonProcess {
  child: ChildProcess;
  log: JsonLines;
  stderr(): string;
  exited: Promise<Exit>;
  /** Presents a badge to the stdin reader. */
  tap(uid: string): void;
  /** The next `scan` line of this badge. */
  scan(uid: string): Promise<LogLine>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<Exit>;
  /** SIGKILL: the power cut. */
  kill9(): Promise<Exit>;
}

/** `moco-timeclock run --config <file>` with a piped stdin, resolved once it logged `ready`. */
export async function runDaemon(kiosk: Kiosk): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [CLI, 'run', '--config', kiosk.configPath], {
    env: childEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let errText = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errText += chunk;
  });
  const exited = new Promise<Exit>((resolvePromise) => {
    child.once('exit', (code, signal) => resolvePromise({ code, signal }));
  });
  const log = new JsonLines(child.stdout as NodeJS.ReadableStream);
  const daemon: DaemonProcess = {
    child,
    log,
    stderr: () => errText,
    exited,
    tap: (uid) => child.stdin?.write(`${uid}\n`),
    scan: (uid) => log.next((line) => line.msg === 'scan' && line.uid === uid, `scan line of ${uid}`),
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill9: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
  const ready = log.next((line) => line.msg === 'ready', 'ready line');
  const failed = exited.then((exit) => {
    throw new Error(`daemon exited (${JSON.stringify(exit)}) before ready:\n${log.dump()}\n${errText}`);
  });
  await Promise.race([ready, failed]);
  failed.catch(() => undefined);
  return daemon;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One CLI command as a process; async, so the simulator in this process keeps answering meanwhile. */
export function cli(args: string[], input?: string): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: childEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Parses a command's `--json` output, with its output in the error when it is not JSON. */
export function parseJson<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** The local date and minute of `ms` in the kiosk's time zone. */
export function localNow(ms = Date.now()): { date: string; time: string } {
  return localParts(ms, TIME_ZONE);
}

/** A presence made directly in the simulator with the user's key, as the user would in MOCO's web app. */
export async function createPresence(
  sim: Simulator,
  apiKey: string,
  presence: { date: string; from: string; to: string | null },
): Promise<void> {
  const response = await fetch(`${sim.baseUrl}/users/presences`, {
    method: 'POST',
    headers: { Authorization: `Token token=${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(presence),
  });
  if (!response.ok) throw new Error(`creating a presence: ${response.status} ${await response.text()}`);
}

/** The requests that reached the simulator to change presences: touches and explicit writes. */
export function changes(sim: Simulator): number {
  return sim.requests().filter((r) => r.method !== 'GET' && r.path.includes('/users/presences')).length;
}

/** Waits for a condition of this process's own state (the simulator's), checking every few ms. */
export async function until(
  condition: () => boolean,
  what: string,
  timeoutMs = WAIT_MS,
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await delay(everyMs);
  }
}

/** What the daemon last wrote for `status`, read as `status` reads it but without a process. */
export function daemonStatus(kiosk: Kiosk): DaemonStatus | null {
  const db = new BetterSqlite3(databasePath(kiosk.dataDir), { readonly: true, fileMustExist: true });
  try {
    return readDaemonStatus(db);
  } finally {
    db.close();
  }
}

/** The daemon writes its status with a heartbeat (every few seconds), not with every scan. */
export function heartbeatWith(kiosk: Kiosk, match: (status: DaemonStatus) => boolean): Promise<void> {
  return until(
    () => {
      const status = daemonStatus(kiosk);
      return status !== null && match(status);
    },
    'a daemon status like that',
    12_000,
    100,
  );
}
