import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USERS, type Simulator } from '../../src/moco/sim/index.js';
import type { StatusReport } from '../../src/status/report.js';
import {
  cli,
  closeKiosk,
  type DaemonProcess,
  ensureBuilt,
  type Kiosk,
  openKiosk,
  parseJson,
  runDaemon,
  writeConfig,
} from './harness.js';

/** Taps MOCO refuses for good need an admin: they wait as failed until fixed and retried. */

const BEN = DEMO_USERS[1] as (typeof DEMO_USERS)[0];
const BEN_UID = '0A00B1C202';

let sim: Simulator;
let kiosk: Kiosk;
let daemon: DaemonProcess | null = null;

beforeAll(() => ensureBuilt(), 120_000);

beforeEach(async () => {
  ({ sim, kiosk } = await openKiosk());
});
afterEach(async () => {
  await closeKiosk({ sim, kiosk }, [daemon]);
  daemon = null;
});

const run = (...args: string[]) => cli([...args, '--config', kiosk.configPath]);

describe('a tap MOCO refuses (401: wrong key)', () => {
  it('fails, shows up for the admin, and is delivered after the key is fixed and the tap retried', async () => {
    const enrolled = await run(
      'badge',
      'add',
      BEN_UID,
      '--key',
      'not-bens-key',
      '--no-verify',
      '--name',
      'Ben',
    );
    expect(enrolled.code).toBe(0);
    daemon = await runDaemon(kiosk);
    daemon.tap(BEN_UID);
    const scan = await daemon.scan(BEN_UID);
    expect(scan).toMatchObject({ outcome: 'rejected', tapId: expect.any(Number) });
    expect(sim.presences()).toEqual([]);

    const failed = parseJson<{ id: number; lastError: string; localDate: string; localTime: string }[]>(
      await run('queue', 'list', '--failed', '--json'),
    );
    expect(failed).toEqual([
      expect.objectContaining({ id: scan.tapId, uid: BEN_UID, state: 'failed', outcome: 'rejected' }),
    ]);
    expect(failed[0]?.lastError).toMatch(/^401 unauthorized/);

    expect(failed[0]).toMatchObject({
      userName: null,
      label: 'Ben',
      failure: {
        kind: 'unauthorized',
        meaning: 'MOCO rejects the key of this badge (401: revoked or mistyped)',
        action: "enrol the badge again with the person's own new key, then retry the tap",
      },
    });
    // The table names the badge by its label, and says what the failure means and what to do.
    const table = (await run('queue', 'list')).stdout.split('\n');
    expect(table[1]).toMatch(
      new RegExp(
        `^${scan.tapId}\\s+${BEN_UID}\\s+Ben\\s+${failed[0]?.localDate} ${failed[0]?.localTime}\\s+failed\\s+1\\s+` +
          "MOCO rejects the key of this badge \\(401: revoked or mistyped\\): enrol the badge again with the person's own new key, then retry the tap$",
      ),
    );

    const status = await run('status', '--json');
    expect(status.code).toBe(1);
    expect(parseJson<StatusReport>(status).taps).toEqual({
      pending: 0,
      failed: 1,
      failures: [
        {
          reason: failed[0]?.lastError,
          count: 1,
          kind: 'unauthorized',
          meaning: 'MOCO rejects the key of this badge (401: revoked or mistyped)',
          action: "enrol the badge again with the person's own new key, then retry the tap",
        },
      ],
    });
    const text = await run('status');
    expect(text.code).toBe(1);
    expect(text.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        'health:    NEEDS ATTENTION: 1 failed tap needs an admin',
        'failed:    1 tap(s) need an admin (see `moco-timeclock queue list --failed`)',
        "             1 x MOCO rejects the key of this badge (401: revoked or mistyped): enrol the badge again with the person's own new key, then retry the tap",
      ]),
    );
    expect(text.stdout).not.toContain('answered 401');

    expect((await run('badge', 'add', BEN_UID, '--key', BEN.apiKey, '--replace', '--no-verify')).code).toBe(
      0,
    );
    const retried = await run('queue', 'retry', '--all-failed');
    expect(retried).toMatchObject({ code: 0, stdout: expect.stringContaining('1 tap back in the queue') });

    // The daemon finds retried taps on its own: nobody restarts it or tells it.
    const delivered = await daemon.log.next((l) => l.msg === 'delivered', 'delivered line', 15_000);
    expect(delivered).toMatchObject({ tapId: scan.tapId, outcome: 'clocked_in' });
    // Booked at the minute of the tap, however much later the admin got to it.
    expect(sim.presences(BEN.id)).toEqual([
      expect.objectContaining({ date: failed[0]?.localDate, from: failed[0]?.localTime, to: null }),
    ]);
  });

  it('refuses a retry without a tap id or --all-failed as a usage error', async () => {
    const result = await run('queue', 'retry');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('give one tap id or --all-failed');
  });
});

describe('a bad configuration', () => {
  it('exits 78 naming each problem with what it got, before creating any data', async () => {
    writeConfig(
      kiosk.configPath,
      [
        `moco: { baseUrl: "${sim.baseUrl}" }`,
        'timezone: Mars/Olympus',
        `dataDir: "${kiosk.dataDir}"`,
        'scan: { debounceMs: -5, repeatGuard: 60 }',
      ].join('\n'),
    );
    const child = await cli(['run', '--config', kiosk.configPath]);
    expect(child.code).toBe(78);
    expect(child.stdout).toBe('');
    const problems = child.stderr.split('\n').filter((line) => line.startsWith('  '));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}timezone: .* \(got "Mars\/Olympus"\)$/),
        expect.stringMatching(/^ {2}scan\.debounceMs: .* \(got -5\)$/),
        expect.stringMatching(/^ {2}scan\.repeatGuard: unknown key \(got 60\)$/),
      ]),
    );
    expect(problems).toHaveLength(3);
    expect(existsSync(kiosk.dataDir)).toBe(false);
    expect(existsSync(join(kiosk.dir, 'master.key'))).toBe(false);
  });
});
