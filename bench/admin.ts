import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { databasePath } from '../src/store/database.js';
import { openStores } from '../src/store/open.js';
import { systemClock } from '../src/time/clock.js';
import { benchKiosk } from './fixture.js';
import { mib, percentile } from './stats.js';

const CLI = new URL('../src/cli.js', import.meta.url).pathname;

export interface QueueListRun {
  args: string;
  bytes: number;
  maxRss: number;
  seconds: number;
}

/**
 * `queue list` over a backlog of `pending` taps, as a process: output size, peak RSS (the
 * kernel's, of the child alone, through python's getrusage) and time, for the table's default
 * page, the whole table and the whole JSON.
 */
export async function benchQueueList(pending: number): Promise<QueueListRun[]> {
  const kiosk = await benchKiosk(100);
  try {
    const stores = openStores({ config: kiosk.config, env: {}, clock: systemClock });
    stores.db.transaction(() => {
      for (let n = 0; n < pending; n++) {
        stores.journal.append({
          uid: kiosk.uidOf(n % 100),
          userId: kiosk.users[n % 100]?.id ?? null,
          userName: `User ${n % 100}`,
          atMs: Date.UTC(2026, 10, 2, 7, 0) + n * 1000,
          localDate: '2026-11-02',
          localTime: '08:00',
          clockSynced: true,
          monoNs: null,
          bootId: null,
        });
      }
    })();
    stores.close();
    return [[], ['--limit', '0'], ['--json']].map((extra) => {
      const args = ['queue', 'list', ...extra, '--config', kiosk.config.configPath];
      const measure = [
        '-c',
        'import resource, subprocess, sys, time\n' +
          't = time.time()\n' +
          'out = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE).stdout\n' +
          'print(len(out), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.time() - t)',
        process.execPath,
        CLI,
        ...args,
      ];
      const result = spawnSync('python3', measure, { encoding: 'utf8', maxBuffer: 1 << 20 });
      const [bytes, maxRssKiB, seconds] = result.stdout.trim().split(' ').map(Number);
      return {
        args: ['queue list', ...extra].join(' '),
        bytes: bytes ?? 0,
        maxRss: (maxRssKiB ?? 0) * 1024,
        seconds: seconds ?? 0,
      };
    });
  } finally {
    await kiosk.cleanup();
  }
}

export function describeQueueList(pending: number, runs: QueueListRun[]): string {
  return [
    `queue list over ${pending.toLocaleString('en')} pending taps (a process each):`,
    ...runs.map(
      (r) =>
        `  ${r.args.padEnd(24)} ${(r.bytes / 1024 / 1024).toFixed(1).padStart(5)} MB out, peak RSS ${mib(r.maxRss)}, ${r.seconds.toFixed(2)} s`,
    ),
  ].join('\n');
}

export interface ImportWaitResult {
  rows: number;
  importSeconds: number;
  writes: number;
  waitP50: number;
  waitP99: number;
  waitMax: number;
}

/**
 * How long a tap waits for the database while `badge import` of `rows` new badges runs in another
 * process: this process writes a row every 5 ms, as the daemon's journal append would, with the
 * admin's busy timeout (so a long hold shows as a long wait instead of a failure).
 */
export async function benchImportWait(rows: number): Promise<ImportWaitResult> {
  const kiosk = await benchKiosk(1);
  try {
    const file = join(kiosk.dir, 'import.csv');
    const lines = ['uid,label,api_key'];
    for (let i = 0; i < rows; i++) lines.push(`I${i},Person ${i},import-key-${i}-abcdefghijklmnop`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const db = new BetterSqlite3(databasePath(kiosk.config.dataDir), { timeout: 10_000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const write = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('bench', ?)");
    const waits: number[] = [];
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [CLI, 'badge', 'import', file, '--config', kiosk.config.configPath],
      {
        stdio: 'ignore',
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let done = false;
    void exited.then(() => {
      done = true;
    });
    while (!done) {
      const t = performance.now();
      write.run(String(t));
      waits.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const code = await exited;
    if (code !== 0) throw new Error(`badge import exited with ${code}`);
    const importSeconds = (performance.now() - started) / 1000;
    db.close();
    return {
      rows,
      importSeconds,
      writes: waits.length,
      waitP50: percentile(waits, 50),
      waitP99: percentile(waits, 99),
      waitMax: Math.max(...waits),
    };
  } finally {
    await kiosk.cleanup();
  }
}

export function describeImportWait(results: ImportWaitResult[]): string {
  return [
    'a write (as a tap would) while `badge import` runs beside it:',
    ...results.map(
      (r) =>
        `  ${r.rows.toLocaleString('en').padStart(7)} rows: import ${r.importSeconds.toFixed(1)} s; ` +
        `${r.writes} writes waited p50 ${r.waitP50.toFixed(1)} ms, p99 ${r.waitP99.toFixed(1)} ms, max ${r.waitMax.toFixed(1)} ms`,
    ),
  ].join('\n');
}
