import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USERS, type Simulator } from '../../src/moco/sim/index.js';
import { databasePath } from '../../src/store/database.js';
import {
  cli,
  type DaemonProcess,
  enrol,
  ensureBuilt,
  type Kiosk,
  openKiosk,
  parseJson,
  runDaemon,
} from './harness.js';
import { configure, fillDisk, freeDisk, idleLine, mountTmpfs, type Tmpfs } from './machine.js';

/**
 * The daemon against its storage: a disk that fills up and a database another process holds. It
 * keeps running, says what is wrong once, shows `attention`, and takes taps again when the storage
 * does, without a restart; nothing stored is lost.
 */

const [ANNA, BEN] = DEMO_USERS as [(typeof DEMO_USERS)[0], (typeof DEMO_USERS)[0]];
const ANNA_UID = '0A00B1C201';
const BEN_UID = '0A00B1C202';
const HEARTBEAT_MS = 5_000;

let sim: Simulator;
let kiosk: Kiosk;
const daemons: DaemonProcess[] = [];
const mounts: Tmpfs[] = [];

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(async () => {
  ({ sim, kiosk } = await openKiosk());
});
afterEach(async () => {
  for (const daemon of daemons.splice(0)) await daemon.kill9();
  for (const mount of mounts.splice(0)) mount.unmount();
  kiosk.remove();
  await sim.close();
});

async function start(): Promise<DaemonProcess> {
  const daemon = await runDaemon(kiosk);
  daemons.push(daemon);
  return daemon;
}

const enrolBoth = () =>
  enrol(
    kiosk,
    { uid: ANNA_UID, apiKey: ANNA.apiKey, userId: ANNA.id, userName: 'Anna Schmidt' },
    { uid: BEN_UID, apiKey: BEN.apiKey, userId: BEN.id, userName: 'Ben Meyer' },
  );

const failing = (daemon: DaemonProcess) => daemon.log.all('database writes failing');

describe('a full disk', { timeout: 60_000 }, () => {
  it('answers error while no tap can be stored, shows attention, lives on, and takes taps again once there is space', async (ctx) => {
    const tmpfs = mountTmpfs(join(kiosk.dir, 'disk'), 1024);
    if (typeof tmpfs === 'string') return ctx.skip(`no small disk to fill: ${tmpfs}`);
    mounts.push(tmpfs);
    const dataDir = join(tmpfs.dir, 'data');
    configure(kiosk, { baseUrl: sim.baseUrl, dataDir, consoleSignals: true });
    kiosk = { ...kiosk, dataDir };
    enrolBoth();
    const daemon = await start();
    daemon.tap(ANNA_UID);
    expect(await daemon.scan(ANNA_UID)).toMatchObject({ outcome: 'clocked_in' });

    const filler = fillDisk(tmpfs.dir);
    daemon.tap(BEN_UID);
    expect(await daemon.scan(BEN_UID)).toMatchObject({ outcome: 'error' });
    await daemon.log.next(idleLine('needs attention'), 'the attention signal');
    expect(failing(daemon)).toEqual([expect.objectContaining({ what: 'tap', fault: 'full', level: 50 })]);
    // Two heartbeats fail meanwhile: the daemon lives, and says it once, not once a beat.
    await delay(2 * HEARTBEAT_MS + 500);
    expect(daemon.child.exitCode).toBeNull();
    expect(failing(daemon)).toHaveLength(1);

    freeDisk(filler);
    await daemon.log.next(
      (l) => l.msg === 'database writes work again',
      'the recovery line',
      2 * HEARTBEAT_MS,
    );
    await daemon.log.next(idleLine('online'), 'the online signal again');
    daemon.tap(BEN_UID);
    expect(await daemon.scan(BEN_UID)).toMatchObject({ outcome: 'clocked_in' });
    // Nothing lost, nothing twice: Anna's tap from before, Ben's one stored tap, each booked once.
    expect(sim.presences(ANNA.id)).toHaveLength(1);
    expect(sim.presences(BEN.id)).toHaveLength(1);
    expect(daemon.child.exitCode).toBeNull();
  });

  it('starts with ready or ends with one line and a non-zero exit, never half, and starts once there is space', async (ctx) => {
    const tmpfs = mountTmpfs(join(kiosk.dir, 'disk'), 1024);
    if (typeof tmpfs === 'string') return ctx.skip(`no small disk to fill: ${tmpfs}`);
    mounts.push(tmpfs);
    const dataDir = join(tmpfs.dir, 'data');
    configure(kiosk, { baseUrl: sim.baseUrl, dataDir });
    kiosk = { ...kiosk, dataDir };
    enrolBoth();
    const first = await start();
    first.tap(ANNA_UID);
    expect(await first.scan(ANNA_UID)).toMatchObject({ outcome: 'clocked_in' });
    expect(await first.stop()).toEqual({ code: 0, signal: null });

    const filler = fillDisk(tmpfs.dir);
    const started = Date.now();
    const attempt = await runDaemon(kiosk).then(
      (daemon) => {
        daemons.push(daemon);
        return { ready: true as const, daemon };
      },
      (error: Error) => ({ ready: false as const, error }),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    if (attempt.ready) {
      // Up with a full disk: a tap cannot be stored, and says so.
      attempt.daemon.tap(BEN_UID);
      expect(await attempt.daemon.scan(BEN_UID)).toMatchObject({ outcome: 'error' });
      await attempt.daemon.stop();
    } else {
      expect(attempt.error.message).toMatch(/daemon exited \(\{"code":1,"signal":null\}\) before ready/);
      expect(attempt.error.message).toContain('"msg":"start failed"');
      expect(attempt.error.message).toMatch(/moco-timeclock: the disk holding .* is full/);
      expect(attempt.error.message).not.toMatch(/\n\s+at /);
    }

    freeDisk(filler);
    const again = await start();
    again.tap(BEN_UID);
    expect(await again.scan(BEN_UID)).toMatchObject({ outcome: 'clocked_in' });
    expect(sim.presences(ANNA.id)).toHaveLength(1);
  });
});

describe('a database another process holds', { timeout: 60_000 }, () => {
  it('answers a tap within the feedback time, lives on, and takes taps again when the lock is gone', async () => {
    enrolBoth();
    configure(kiosk, { baseUrl: sim.baseUrl, consoleSignals: true });
    const daemon = await start();
    const holder = new BetterSqlite3(databasePath(kiosk.dataDir));
    try {
      holder.exec('BEGIN IMMEDIATE');
      holder.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('held', 'by a test')").run();
      const tapped = Date.now();
      daemon.tap(ANNA_UID);
      expect(await daemon.scan(ANNA_UID)).toMatchObject({ outcome: 'error' });
      // feedbackTimeoutMs is 1500; the daemon waits for a lock at most half of it per write.
      expect(Date.now() - tapped).toBeLessThan(1500);
      await daemon.log.next(idleLine('needs attention'), 'the attention signal');
      expect(failing(daemon)).toEqual([expect.objectContaining({ what: 'tap', fault: 'busy' })]);
      await delay(2 * HEARTBEAT_MS + 500);
      expect(daemon.child.exitCode).toBeNull();
      expect(failing(daemon)).toHaveLength(1);
    } finally {
      holder.exec('COMMIT');
      holder.close();
    }
    await daemon.log.next(
      (l) => l.msg === 'database writes work again',
      'the recovery line',
      2 * HEARTBEAT_MS,
    );
    daemon.tap(ANNA_UID);
    expect(await daemon.scan(ANNA_UID)).toMatchObject({ outcome: 'clocked_in' });
    expect(sim.presences(ANNA.id)).toHaveLength(1);
  });

  it('lets every tap through during a very large badge import, which lands whole', async () => {
    enrolBoth();
    const daemon = await start();
    const rows = 60_000;
    const file = join(kiosk.dir, 'many.csv');
    const lines = ['uid,label,api_key'];
    for (let i = 0; i < rows; i += 1)
      lines.push(`C${i.toString(16).toUpperCase()},Person ${i},key-${i}-abcdefghijklmnop`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const imported = cli(['badge', 'import', file, '--config', kiosk.configPath]);
    let finished = false;
    void imported.then(() => {
      finished = true;
    });
    // Strangers' badges, one every 100 ms while the import runs: each one's answer needs a write.
    const outcomes: unknown[] = [];
    for (let i = 0; !finished && i < 600; i += 1) {
      const uid = `FF${i.toString(16).padStart(6, '0').toUpperCase()}`;
      daemon.tap(uid);
      outcomes.push((await daemon.scan(uid)).outcome);
      await delay(100);
    }
    const result = await imported;
    expect(result.stdout).toBe(`imported ${rows} badges from ${file}: ${rows} new, 0 updated\n`);
    expect(outcomes.length).toBeGreaterThan(3);
    expect(new Set(outcomes)).toEqual(new Set(['unknown_badge']));
    const list = parseJson<unknown[]>(await cli(['badge', 'list', '--json', '--config', kiosk.configPath]));
    expect(list).toHaveLength(rows + 2);
  });
});
