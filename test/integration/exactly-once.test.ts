import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USERS, type Simulator } from '../../src/moco/sim/index.js';
import {
  badgeOf,
  changes,
  closeKiosk,
  type DaemonProcess,
  ensureBuilt,
  type Kiosk,
  localNow,
  openKiosk,
  runDaemon,
  until,
} from './harness.js';

/**
 * Exactly once through the real process (issue 11): MOCO slower than the timeout, a kill while a
 * slow request is out, a clock days off, and one person with two badges. The kiosk's timeout is
 * 1 s and its settle time 2 s (createKiosk).
 */

const ANNA = DEMO_USERS[0] as (typeof DEMO_USERS)[0];
const CARD = '0A00B1C201';
const FOB = '0A00B1C2FF';
const THREE_DAYS_MS = 3 * 86_400_000;

let sim: Simulator;
let kiosk: Kiosk;
const daemons: DaemonProcess[] = [];

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(async () => {
  ({ sim, kiosk } = await openKiosk({ badges: [badgeOf(CARD, ANNA), badgeOf(FOB, ANNA)] }));
});
afterEach(() => closeKiosk({ sim, kiosk }, daemons.splice(0)));

async function start(): Promise<DaemonProcess> {
  const daemon = await runDaemon(kiosk);
  daemons.push(daemon);
  return daemon;
}

/** MOCO takes 1.5 s to apply the next touch: after the kiosk's 1 s timeout, before its 2 s settle time ends. */
function slowTouch(): void {
  sim.faults.delayMs = 1_500;
  sim.faults.delayOnly = (_method, path) => path.endsWith('/touch');
}

describe('exactly once through the daemon process', () => {
  it('books a touch MOCO applies after the timeout once, and tells the person queued, then delivered', async () => {
    const daemon = await start();
    slowTouch();
    daemon.tap(CARD);
    expect(await daemon.scan(CARD)).toMatchObject({ outcome: 'queued' });
    const delivered = await daemon.log.next((l) => l.msg === 'delivered', 'delivered line', 15_000);
    expect(delivered).toMatchObject({ outcome: 'clocked_in' });
    expect(changes(sim)).toBe(1);
    expect(sim.presences(ANNA.id)).toEqual([expect.objectContaining({ date: localNow().date, to: null })]);
  });

  it('waits out the settle time after a kill while a slow touch was out, instead of sending again', async () => {
    const first = await start();
    slowTouch();
    first.tap(CARD);
    await until(() => sim.requests().some((r) => r.path.endsWith('/touch')), 'the touch at MOCO');
    await first.kill9();

    // Restarted at once: MOCO applies the touch only after this run has started.
    const second = await start();
    const delivered = await second.log.next((l) => l.msg === 'delivered', 'delivered line', 15_000);
    expect(delivered).toMatchObject({ outcome: 'clocked_in' });
    expect(changes(sim)).toBe(1);
    expect(sim.presences(ANNA.id)).toHaveLength(1);
  });

  it('finds a lost touch on MOCO’s today when the kiosk’s clock is 3 days behind, across a restart', async () => {
    // Nothing on this machine can tell whether its clock is synchronised; MOCO's runs 3 days ahead.
    sim.setOffsetMs(THREE_DAYS_MS);
    const first = await start();
    sim.faults.loseResponses(1);
    first.tap(CARD);
    expect(await first.scan(CARD)).toMatchObject({ outcome: 'queued' });
    await first.kill9();

    const second = await start();
    const delivered = await second.log.next((l) => l.msg === 'delivered', 'delivered line', 15_000);
    expect(delivered).toMatchObject({ outcome: 'clocked_in' });
    expect(changes(sim)).toBe(1);
    expect(sim.presences(ANNA.id).map((p) => p.date)).toEqual([localNow(Date.now() + THREE_DAYS_MS).date]);
  });

  it('takes a card and a key fob of one person tapped within the repeat guard as one tap', async () => {
    const daemon = await start();
    daemon.tap(CARD);
    expect(await daemon.scan(CARD)).toMatchObject({ outcome: 'clocked_in', userId: ANNA.id });
    daemon.tap(FOB);
    expect(await daemon.scan(FOB)).toMatchObject({ outcome: 'repeat_ignored', userId: ANNA.id });
    expect(changes(sim)).toBe(1);
    expect(sim.presences(ANNA.id)).toEqual([expect.objectContaining({ to: null })]);
  });
});
