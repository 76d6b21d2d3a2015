import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USERS, type Simulator } from '../../src/moco/sim/index.js';
import type { StatusReport } from '../../src/status/report.js';
import {
  badgeOf,
  cli,
  closeKiosk,
  type DaemonProcess,
  ensureBuilt,
  heartbeatWith,
  type Kiosk,
  openKiosk,
  parseJson,
  runDaemon,
} from './harness.js';

/** One daemon per data directory: two would send the same backlog twice. */

const ANNA = DEMO_USERS[0] as (typeof DEMO_USERS)[0];
const ANNA_UID = '0A00B1C201';

let sim: Simulator;
let kiosk: Kiosk;
const daemons: DaemonProcess[] = [];

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(async () => {
  ({ sim, kiosk } = await openKiosk({ badges: [badgeOf(ANNA_UID, ANNA)] }));
});
afterEach(() => closeKiosk({ sim, kiosk }, daemons.splice(0)));

/** A second `run`, with its output, and how long it took to end. */
async function secondRun() {
  const started = Date.now();
  const result = await cli(['run', '--config', kiosk.configPath]);
  return { ...result, ms: Date.now() - started };
}

describe('a second daemon on the same data directory', { timeout: 60_000 }, () => {
  it('exits 1 at once with "already running (pid N)", and status keeps telling about the first', async () => {
    const first = await runDaemon(kiosk);
    daemons.push(first);
    await heartbeatWith(kiosk, (s) => s.pid === first.child.pid);

    const second = await secondRun();
    expect(second.code).toBe(1);
    expect(second.ms).toBeLessThan(5_000);
    expect(second.stderr).toBe(
      `moco-timeclock: already running (pid ${first.child.pid}): another moco-timeclock daemon uses ` +
        `${kiosk.dataDir}: stop it first (sudo systemctl stop moco-timeclock)\n`,
    );
    expect(second.stdout).not.toContain('"msg":"ready"');
    expect(JSON.parse(second.stdout.trim())).toMatchObject({ msg: 'start failed', code: 'already_running' });

    const status = parseJson<StatusReport>(await cli(['status', '--json', '--config', kiosk.configPath]));
    expect(status.daemon).toMatchObject({ running: true, pid: first.child.pid });
    // The first one goes on as before.
    first.tap(ANNA_UID);
    expect(await first.scan(ANNA_UID)).toMatchObject({ outcome: 'clocked_in' });
  });

  it('starts after the first one was killed with -9: the lock does not go stale', async () => {
    const first = await runDaemon(kiosk);
    expect(await first.kill9()).toEqual({ code: null, signal: 'SIGKILL' });
    const next = await runDaemon(kiosk);
    daemons.push(next);
    next.tap(ANNA_UID);
    expect(await next.scan(ANNA_UID)).toMatchObject({ outcome: 'clocked_in' });
  });
});
