import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { loadConfig } from '../src/config/index.js';
import { type SimUser, type Simulator, startSimulator } from '../src/moco/sim/index.js';
import { databasePath } from '../src/store/database.js';
import { openStores } from '../src/store/open.js';
import { systemClock } from '../src/time/clock.js';

/**
 * `npm run soak`: the daemon as a process against the simulator for SOAK_MINUTES (default 10), with
 * several people tapping at random, answers lost after MOCO applied the request, answers slower
 * than the timeout (and a few slower than the settle time), and kill -9 at random moments followed
 * by restarts. At the end MOCO must hold exactly the presences the journaled taps pair into, in
 * order per person (in, out, in, ...; a pair within one minute is discarded, as MOCO does), and
 * every tap must be delivered. Not a test: it prints what happened and exits non-zero on a mismatch.
 */

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const PEOPLE = Number(process.env.SOAK_PEOPLE ?? 6);
const SEED = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);
/** A zone where it is about noon, so a run does not cross midnight (presences belong to one date). */
const ZONE = ((hoursAhead) =>
  hoursAhead === 0 ? 'Etc/UTC' : `Etc/GMT${hoursAhead > 0 ? '-' : '+'}${Math.abs(hoursAhead)}`)(
  12 - new Date().getUTCHours(),
);
const TIMEOUT_MS = 1_000;
const SETTLE_MS = 4_000;

/** A small deterministic generator, so that a failing run can be run again with its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const users: SimUser[] = Array.from({ length: PEOPLE }, (_, i) => ({
  id: 3001 + i,
  firstname: 'Soak',
  lastname: String(i),
  apiKey: `soak-key-${i}`,
}));
const uidOf = (i: number) => `50AC0000${String(i).padStart(2, '0')}`;

interface Daemon {
  child: ChildProcess;
  exited: Promise<void>;
}

const counts = { taps: 0, lost: 0, slow: 0, slowBeyondSettle: 0, kills: 0, repaired: 0 };

async function main(): Promise<void> {
  const rand = random(SEED);
  const dir = mkdtempSync(join(tmpdir(), 'moco-soak-'));
  const sim = await startSimulator({ port: 0, timeZone: ZONE, users });
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    [
      `moco: { baseUrl: "${sim.baseUrl}", timeoutMs: ${TIMEOUT_MS}, settleMs: ${SETTLE_MS} }`,
      `timezone: ${ZONE}`,
      `dataDir: "${join(dir, 'data')}"`,
      'reader: { type: stdin }',
      'scan: { debounceMs: 100, repeatGuardSeconds: 0, feedbackTimeoutMs: 800 }',
      'signals: { driver: none }',
      'log: { level: info }',
    ].join('\n'),
  );
  const config = { ...loadConfig(configPath), configPath };
  const stores = openStores({ config, env: {}, clock: systemClock });
  for (const [i, user] of users.entries()) {
    stores.badges.add({ uid: uidOf(i), userId: user.id, userName: null, apiKey: user.apiKey });
  }
  stores.close();

  let daemon = start(configPath);
  const ends = Date.now() + MINUTES * 60_000;
  console.log(`soak: ${MINUTES} min, ${PEOPLE} people, seed ${SEED}`);
  while (Date.now() < ends) {
    await delay(300 + rand() * 1_700);
    const second = new Date().getUTCSeconds();
    // Taps and faults keep clear of minute boundaries: a touch is booked at MOCO's minute, and a
    // touch delayed across a boundary would land in the next one, which is MOCO's rule, not a fault.
    if (second < 3 || second > 50) continue;
    const roll = rand();
    if (roll < 0.6) {
      daemon.child.stdin?.write(`${uidOf(Math.floor(rand() * PEOPLE))}\n`);
      counts.taps += 1;
    } else if (roll < 0.72) {
      sim.faults.loseResponses(1 + Math.floor(rand() * 3), rand() < 0.5 ? undefined : /\/users\/presences/);
      counts.lost += 1;
    } else if (roll < 0.8) {
      const beyond = rand() < 0.25;
      sim.faults.delayMs = beyond ? SETTLE_MS + 1_500 : TIMEOUT_MS + rand() * (SETTLE_MS - TIMEOUT_MS - 500);
      sim.faults.delayOnly = (method) => method !== 'GET';
      setTimeout(() => {
        sim.faults.delayMs = 0;
      }, 1_500).unref();
      if (beyond) counts.slowBeyondSettle += 1;
      else counts.slow += 1;
    } else if (roll < 0.84) {
      daemon.child.kill('SIGKILL');
      await daemon.exited;
      counts.kills += 1;
      await delay(rand() * 3_000);
      daemon = start(configPath);
    }
  }

  sim.faults.reset();
  console.log('soak: taps over, waiting for the kiosk to deliver everything');
  const settled = await waitUntilSettled(config.dataDir, 180_000);
  daemon.child.kill('SIGTERM');
  await daemon.exited;
  const result = compare(config.dataDir, sim);
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `soak: ${counts.taps} taps written to the reader, ${result.journaled} journaled; faults: ${counts.lost} lost-answer bursts, ` +
      `${counts.slow} answers slower than the timeout, ${counts.slowBeyondSettle} slower than the settle time, ` +
      `${counts.kills} kill -9 and restarts; ${counts.repaired} repairs`,
  );
  console.log(
    `soak: ${result.expected} presences expected, ${result.actual} in MOCO, ${result.mismatches.length} differences`,
  );
  for (const line of result.mismatches.slice(0, 20)) console.log(`  ${line}`);
  if (result.mismatches.length > 0 && process.env.SOAK_TRACE !== undefined) trace(result.taps, sim);
  if (!settled) console.log('soak: the journal did not settle in time');
  process.exitCode = result.mismatches.length === 0 && settled ? 0 : 1;
}

function start(configPath: string): Daemon {
  const cli = new URL('../src/cli.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [cli, 'run', '--config', configPath], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let rest = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    rest += chunk;
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    counts.repaired += lines.filter((line) => line.includes('"msg":"repaired"')).length;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited };
}

/** Until no tap is pending and no re-send waits to be verified. */
async function waitUntilSettled(dataDir: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const db = new BetterSqlite3(databasePath(dataDir), { readonly: true });
    const open = db
      .prepare("SELECT COUNT(*) AS n FROM taps WHERE state = 'pending' OR verify_at IS NOT NULL")
      .get() as { n: number };
    db.close();
    if (open.n === 0) return true;
    await delay(1_000);
  }
  return false;
}

interface TapRow {
  id: number;
  userId: number;
  date: string;
  time: string;
  state: string;
  outcome: string;
  presenceId: number | null;
  attempts: number;
}

/** With SOAK_TRACE set: what the kiosk journaled and what MOCO was asked, for each person who differs. */
function trace(taps: TapRow[], sim: Simulator): void {
  for (const user of users) {
    console.log(`-- ${user.id}`);
    for (const t of taps.filter((tap) => tap.userId === user.id)) {
      console.log(
        `   tap ${t.id} ${t.time} ${t.state} ${t.outcome} presence ${t.presenceId} attempts ${t.attempts}`,
      );
    }
    for (const r of sim
      .requests()
      .filter((request) => request.userId === user.id && request.method !== 'GET')) {
      console.log(`   ${r.method} ${r.path} ${JSON.stringify(r.body)} -> ${r.status}`);
    }
    console.log(
      `   MOCO: ${sim
        .presences(user.id)
        .map((p) => `${p.id} ${p.from}-${p.to ?? ''}`)
        .join(', ')}`,
    );
  }
}

/** The presences the journaled taps pair into, against what MOCO holds. */
function compare(dataDir: string, sim: Simulator) {
  const db = new BetterSqlite3(databasePath(dataDir), { readonly: true });
  const taps = db
    .prepare(
      'SELECT id, user_id AS userId, local_date AS date, local_time AS time, state, outcome, presence_id AS presenceId, attempts FROM taps ORDER BY id',
    )
    .all() as TapRow[];
  db.close();
  const mismatches = taps
    .filter((t) => t.state !== 'delivered')
    .map((t) => `not delivered: ${JSON.stringify(t)}`);
  const expected: string[] = [];
  for (const user of users) {
    const mine = taps.filter((t) => t.userId === user.id);
    for (let i = 0; i < mine.length; i += 2) {
      const [clockIn, clockOut] = [mine[i], mine[i + 1]];
      if (clockIn === undefined) continue;
      if (clockOut === undefined) expected.push(`${user.id} ${clockIn.date} ${clockIn.time}-`);
      else if (clockOut.time !== clockIn.time || clockOut.date !== clockIn.date) {
        expected.push(`${user.id} ${clockIn.date} ${clockIn.time}-${clockOut.time}`);
      }
    }
  }
  const actual = sim.presences().map((p) => `${p.user.id} ${p.date} ${p.from}-${p.to ?? ''}`);
  const missing = expected.filter((e) => !actual.includes(e)).map((e) => `missing in MOCO: ${e}`);
  const extra = actual.filter((a) => !expected.includes(a)).map((a) => `extra in MOCO: ${a}`);
  return {
    taps,
    journaled: taps.length,
    expected: expected.length,
    actual: actual.length,
    mismatches: [...mismatches, ...missing, ...extra],
  };
}

await main();
