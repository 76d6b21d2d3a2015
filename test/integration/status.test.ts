import { writeFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USERS, type Simulator } from '../../src/moco/sim/index.js';
import type { StatusErrorReport, StatusReport } from '../../src/status/report.js';
import { databasePath } from '../../src/store/database.js';
import {
  badgeOf,
  cli,
  closeKiosk,
  type DaemonProcess,
  ensureBuilt,
  heartbeatWith,
  type Kiosk,
  localNow,
  openKiosk,
  parseJson,
  runDaemon,
} from './harness.js';

/**
 * `moco-timeclock status` as monitoring and an admin use it: exit 0 healthy, 1 needs attention
 * (with what needs it), 3 or 78 cannot tell; the JSON also when it cannot tell.
 */

const [ANNA, BEN] = DEMO_USERS as [(typeof DEMO_USERS)[0], (typeof DEMO_USERS)[0]];
const ANNA_UID = '0A00B1C201';
const BEN_UID = '0A00B1C202';
const DAY_MS = 86_400_000;

let sim: Simulator;
let kiosk: Kiosk;
let daemon: DaemonProcess | null = null;

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(async () => {
  ({ sim, kiosk } = await openKiosk({ badges: [badgeOf(ANNA_UID, ANNA), badgeOf(BEN_UID, BEN)] }));
});
afterEach(async () => {
  await closeKiosk({ sim, kiosk }, [daemon]);
  daemon = null;
});

const status = (...args: string[]) => cli(['status', ...args, '--config', kiosk.configPath]);

describe('moco-timeclock status for monitoring', { timeout: 60_000 }, () => {
  it('is healthy, exit 0, when the daemon runs, MOCO answers and nothing waits for an admin', async () => {
    daemon = await runDaemon(kiosk);
    daemon.tap(ANNA_UID);
    expect(await daemon.scan(ANNA_UID)).toMatchObject({ outcome: 'clocked_in' });
    await heartbeatWith(kiosk, (s) => s.lastScan !== null && s.mocoClockOffsetMs !== null);

    const text = await status();
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe('health:    ok');
    expect(lines).toContain('open:      no presence left open from an earlier date');
    // Whether the system clock says it is synchronised depends on the machine the test runs on.
    expect(text.stdout).toMatch(/^clock: {5}.+; kiosk clock agrees with MOCO's \(within a minute\)$/m);
    const json = await status('--json');
    expect(json.code).toBe(0);
    expect(parseJson<StatusReport>(json)).toMatchObject({
      health: { state: 'ok', reasons: [] },
      openPresences: [],
      mocoClockOffsetMs: expect.any(Number),
    });
  });

  it("shows a presence left open on an earlier date by MOCO's date, and the kiosk clock against MOCO's", async () => {
    daemon = await runDaemon(kiosk);
    daemon.tap(ANNA_UID);
    expect(await daemon.scan(ANNA_UID)).toMatchObject({ outcome: 'clocked_in' });
    const opened = localNow();
    // MOCO's clock a day ahead: Anna's presence of today is one of yesterday by MOCO's date.
    sim.setOffsetMs(DAY_MS + 2 * 3_600_000);
    daemon.tap(BEN_UID);
    expect(await daemon.scan(BEN_UID)).toMatchObject({ outcome: 'clocked_in' });
    await heartbeatWith(kiosk, (s) => (s.mocoClockOffsetMs ?? 0) > DAY_MS);

    const text = await status();
    expect(text.code).toBe(1);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe(
      "health:    NEEDS ATTENTION: 1 presence open since an earlier date; kiosk clock 1 day 2 h behind MOCO's",
    );
    expect(lines).toContain(
      "open:      1 presence left open since an earlier date (a forgotten clock-out?): look at the person's " +
        "presence in MOCO (or on the web page's Today page) and close it at the time they left",
    );
    expect(lines).toContain(
      `             Anna Schmidt (badge ${ANNA_UID}): open since ${opened.date} ${opened.time}`,
    );
    expect(text.stdout).toMatch(
      /^clock: {5}.+; kiosk clock 1 day 2 h behind MOCO's: enable time sync \(timedatectl set-ntp true\)$/m,
    );

    const json = await status('--json');
    expect(json.code).toBe(1);
    expect(parseJson<StatusReport>(json)).toMatchObject({
      health: {
        state: 'attention',
        reasons: expect.arrayContaining(["kiosk clock 1 day 2 h behind MOCO's"]),
      },
      openPresences: [
        {
          uid: ANNA_UID,
          userName: 'Anna Schmidt',
          label: null,
          date: opened.date,
          from: opened.time,
          presenceId: expect.any(Number),
        },
      ],
    });

    const queue = await cli(['queue', 'list', '--config', kiosk.configPath]);
    expect(queue.stdout).toBe(
      'nothing pending or failed\n' +
        "1 presence left open since an earlier date (a forgotten clock-out?): look at the person's presence in MOCO " +
        "(or on the web page's Today page) and close it at the time they left\n" +
        `  Anna Schmidt (badge ${ANNA_UID}): open since ${opened.date} ${opened.time}\n`,
    );
  });

  it('prints JSON for an invalid configuration too, exit 78', async () => {
    writeFileSync(kiosk.configPath, 'moco: { domian: acme }\n');
    const result = await status('--json');
    expect(result.code).toBe(78);
    expect(result.stderr).toBe('');
    expect(parseJson<StatusErrorReport>(result)).toEqual({
      version: expect.any(String),
      health: { state: 'unknown', reasons: [`invalid configuration in ${kiosk.configPath}`] },
      error: {
        name: 'ConfigError',
        code: 'invalid',
        message: `invalid configuration in ${kiosk.configPath}`,
        problems: [
          'moco.domian: unknown key (got "acme"); did you mean moco.domain?',
          'moco.domain: set moco.domain or moco.baseUrl (got nothing)',
        ],
      },
    });
  });

  it('cannot tell (exit 3, never 1) when what the daemon wrote cannot be read, and says so in JSON', async () => {
    daemon = await runDaemon(kiosk);
    await daemon.stop();
    daemon = null;
    const db = new BetterSqlite3(databasePath(kiosk.dataDir));
    db.prepare("UPDATE meta SET value = '{not json' WHERE key = 'daemon_status'").run();
    db.close();

    const json = await status('--json');
    expect(json.code).toBe(3);
    const report = parseJson<StatusErrorReport>(json);
    expect(report.health.state).toBe('unknown');
    expect(report.error).toMatchObject({ name: 'SyntaxError', code: null });
    const text = await status();
    expect(text.code).toBe(3);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/^moco-timeclock: SyntaxError: /);
  });
});
