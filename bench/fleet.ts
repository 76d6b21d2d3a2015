import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { loadConfig } from '../src/config/index.js';
import { startDaemon } from '../src/daemon.js';
import { createLogger } from '../src/log.js';
import { type SimUser, startSimulator } from '../src/moco/sim/index.js';
import { openStores } from '../src/store/open.js';
import { systemClock } from '../src/time/clock.js';

export interface FleetResult {
  kiosks: number;
  users: number;
  taps: number;
  requestsPerTap: number;
  impersonatedShare: number;
  fullReads: number;
  requestsPerFullRead: number;
  incrementalReads: number;
  requestsPerIncrementalRead: number;
}

const STAFF_KEY = 'bench-staff-key-0123456789';

/**
 * `kiosks` daemons, one Staff key, `users` users whose badges are kept in MOCO, against one
 * simulator with the rate limit lifted: what a live tap and a sync cost in requests. Each kiosk syncs
 * every second (instead of every 300 s) for `seconds`; each taps `tapsPerKiosk` different people.
 * The users were last changed an hour apart, so an incremental read finds what changed lately, as
 * in a real directory, not everyone.
 */
export async function benchFleet(
  kiosks: number,
  users: number,
  tapsPerKiosk: number,
  seconds: number,
): Promise<FleetResult> {
  const people: SimUser[] = Array.from({ length: users }, (_, i) => ({
    id: 20_000 + i,
    firstname: 'User',
    lastname: String(i),
    apiKey: `bench-user-key-${i}`,
    customProperties: { Badge: uidOf(i) },
  }));
  const sim = await startSimulator({
    port: 0,
    timeZone: 'UTC',
    users: [{ id: 1, firstname: 'Staff', lastname: 'Key', apiKey: STAFF_KEY, staff: true }],
  });
  // A directory as it is after months: each user last changed at another time, the latest a day ago.
  people.forEach((person, i) => {
    sim.setOffsetMs(-(people.length - i) * 3_600_000 - 86_400_000);
    sim.addUser(person);
  });
  sim.setOffsetMs(0);
  const dirs: string[] = [];
  const daemons: Awaited<ReturnType<typeof startDaemon>>[] = [];
  try {
    const inputs: PassThrough[] = [];
    const scans: number[] = [];
    const synced: number[] = [];
    for (let k = 0; k < kiosks; k++) {
      const dir = mkdtempSync(join(tmpdir(), 'moco-bench-fleet-'));
      dirs.push(dir);
      const configPath = join(dir, 'config.yaml');
      writeFileSync(join(dir, 'staff.key'), STAFF_KEY, { mode: 0o600 });
      writeFileSync(
        configPath,
        [
          `moco: { baseUrl: "${sim.baseUrl}", timeoutMs: 2000, identity: impersonation, rateLimit: { requests: 10000, perSeconds: 1 } }`,
          'timezone: UTC',
          `dataDir: "${join(dir, 'data')}"`,
          'reader: { type: stdin }',
          'scan: { debounceMs: 0 }',
          'signals: { driver: none, selfTest: false }',
          'badges: { source: moco, syncSeconds: 1 }',
          'log: { level: info }',
        ].join('\n'),
      );
      const config = { ...loadConfig(configPath), configPath };
      // What the installer's `init` does: a kiosk of badges kept in MOCO never enrols one itself.
      openStores({ config, env: {}, clock: systemClock, access: 'init' }).close();
      const input = new PassThrough();
      inputs.push(input);
      const log = new Writable({
        write(chunk: Buffer, _encoding, done) {
          const text = chunk.toString('utf8');
          if (text.includes('"msg":"scan"')) scans.push(k);
          if (text.includes('"msg":"badges synced"')) synced.push(k);
          done();
        },
      });
      daemons.push(
        await startDaemon({
          config,
          env: {},
          logger: createLogger('info', log),
          stdin: input,
          clockProbe: { synchronized: async () => true },
        }),
      );
    }
    while (new Set(synced).size < kiosks) await sleep(20);
    const began = Date.now();
    for (let t = 0; t < tapsPerKiosk; t++) {
      inputs.forEach((input, k) => {
        input.write(`${uidOf((k * tapsPerKiosk + t) % users)}\n`);
      });
      await sleep(50);
    }
    while (scans.length < kiosks * tapsPerKiosk) await sleep(20);
    await sleep(Math.max(0, began + seconds * 1000 - Date.now()));
    for (const daemon of daemons.splice(0)) await daemon.stop();

    const requests = sim.requests();
    const presences = requests.filter((r) => r.path.startsWith('/api/v1/users/presences'));
    const lists = requests.filter((r) => r.path === '/api/v1/users');
    // A full read asks page 1 without updated_after and follows the Link to the last page.
    const fullPages = lists.filter((r) => !r.query.includes('updated_after'));
    const incremental = lists.filter((r) => r.query.includes('updated_after'));
    const firstPage = (r: { query: string }) => !/(^|&)page=/.test(r.query);
    const fullReads = fullPages.filter(firstPage).length;
    const incrementalReads = incremental.filter(firstPage).length;
    return {
      kiosks,
      users,
      taps: scans.length,
      requestsPerTap: presences.length / scans.length,
      impersonatedShare:
        presences.filter((r) => r.impersonate === String(r.userId)).length / presences.length,
      fullReads,
      requestsPerFullRead: fullPages.length / fullReads,
      incrementalReads,
      requestsPerIncrementalRead: incrementalReads === 0 ? 0 : incremental.length / incrementalReads,
    };
  } finally {
    for (const daemon of daemons) await daemon.stop();
    await sim.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

function uidOf(index: number): string {
  return `B${String(index).padStart(9, '0')}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** MOCO's limit, 120 requests per 2 minutes, as requests a minute. */
const BUDGET_PER_MINUTE = 60;
const SYNC_SECONDS = 300;

/** What one Staff key serves at MOCO's limit, from the measured costs. */
export function fleetCapacity(
  r: FleetResult,
  kiosks: number,
): { syncPerMinute: number; tapsPerMinute: number } {
  // Every read is full while the users fit into one page; above that, incremental between the daily full read.
  const perSync = r.users <= 100 ? r.requestsPerFullRead : r.requestsPerIncrementalRead;
  const perKiosk = (perSync * 60) / SYNC_SECONDS + r.requestsPerFullRead / 1440;
  const syncPerMinute = kiosks * perKiosk;
  return { syncPerMinute, tapsPerMinute: Math.max(0, BUDGET_PER_MINUTE - syncPerMinute) / r.requestsPerTap };
}

export function describeFleet(r: FleetResult): string {
  const rows = [1, 10, 50].map((k) => {
    const c = fleetCapacity(r, k);
    return `    ${String(k).padStart(2)} kiosk${k === 1 ? ' ' : 's'}: sync ${c.syncPerMinute.toFixed(2)} requests/min, leaving ${c.tapsPerMinute.toFixed(1)} taps/min`;
  });
  const perKiosk = fleetCapacity(r, 1).syncPerMinute;
  return [
    `fleet: ${r.kiosks} kiosks, one Staff key, ${r.users} users with badges kept in MOCO (each kiosk syncing every second here):`,
    `  a live tap: ${r.requestsPerTap.toFixed(2)} requests (${r.taps} taps), ${(r.impersonatedShare * 100).toFixed(0)}% of them with X-IMPERSONATE-USER-ID for the tap's user`,
    `  a full read: ${r.requestsPerFullRead.toFixed(2)} requests (${r.fullReads} reads, 100 users a page); an incremental read: ${r.requestsPerIncrementalRead.toFixed(2)} (${r.incrementalReads} reads)`,
    `  at MOCO's 120 requests per 2 minutes (${BUDGET_PER_MINUTE}/min) and badges.syncSeconds ${SYNC_SECONDS}, for ${r.users} users:`,
    ...rows,
    `    the syncs alone would take the whole budget at ${Math.floor(BUDGET_PER_MINUTE / perKiosk)} kiosks`,
  ].join('\n');
}
