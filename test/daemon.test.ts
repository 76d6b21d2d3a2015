import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { startDaemon } from '../src/daemon.js';
import { DEMO_USERS, type Simulator, startSimulator } from '../src/moco/sim/index.js';
import { localParts } from '../src/time/local.js';
import { LogCapture } from './fakes/logger.js';
import { FakeMonotonic, FakeProbe } from './fakes/sync.js';
import { createKiosk, enrol, type Kiosk, TIME_ZONE } from './integration/harness.js';

/** Waits for a condition on real time: the daemon's loopback HTTP needs more than vi.waitFor's 1 s default. */
function eventually<T>(check: () => T, timeout = 5_000): Promise<T> {
  return vi.waitFor(check, { timeout, interval: 10 });
}

/**
 * The composition root with an injected clock, sync probe and monotonic clock: a Raspberry Pi
 * whose clock is days off, and reboots, which no process test can do on this machine.
 */

const ANNA = DEMO_USERS[0] as (typeof DEMO_USERS)[0];
const ANNA_UID = '0A00B1C201';
const THREE_DAYS_MS = 3 * 86_400_000;

let sim: Simulator;
let kiosk: Kiosk;
beforeEach(async () => {
  sim = await startSimulator({ port: 0, timeZone: TIME_ZONE });
  kiosk = createKiosk({ baseUrl: sim.baseUrl });
  enrol(kiosk, { uid: ANNA_UID, apiKey: ANNA.apiKey, userId: ANNA.id, userName: 'Anna Schmidt' });
});
afterEach(async () => {
  kiosk.remove();
  await sim.close();
});

/** A boot of the Pi: its wall clock `behindMs` behind MOCO's, never synchronised, boot `bootId`. */
async function boot(behindMs: number, bootId: string) {
  const stdin = new PassThrough();
  const logs = new LogCapture();
  const daemon = await startDaemon({
    config: { ...loadConfig(kiosk.configPath), configPath: kiosk.configPath },
    env: {},
    logger: logs.logger,
    stdin,
    clock: { now: () => Date.now() - behindMs },
    clockProbe: new FakeProbe(false),
    monotonic: new FakeMonotonic(BigInt(Date.now()) * 1_000_000n, bootId),
  });
  return { daemon, logs, tap: (uid: string) => stdin.write(`${uid}\n`) };
}

describe('a Pi whose clock is 3 days behind and never synchronised', () => {
  it('books a live tap whose answer was lost once, on MOCO’s today, even across a reboot', async () => {
    const first = await boot(THREE_DAYS_MS, 'boot-1');
    sim.faults.loseResponses(1);
    first.tap(ANNA_UID);
    await eventually(() =>
      expect(first.logs.withMsg('scan')).toEqual([expect.objectContaining({ outcome: 'queued' })]),
    );
    expect(sim.presences(ANNA.id)).toHaveLength(1);
    // Power cut before the clock was ever synchronised; the Pi boots with its clock still behind.
    await first.daemon.stop();

    const second = await boot(THREE_DAYS_MS, 'boot-2');
    try {
      await eventually(
        () =>
          expect(second.logs.withMsg('delivered')).toEqual([
            expect.objectContaining({ outcome: 'clocked_in' }),
          ]),
        8_000,
      );
      const today = localParts(Date.now(), TIME_ZONE);
      expect(sim.presences(ANNA.id).map((p) => p.date)).toEqual([today.date]);
      expect(sim.requests().filter((r) => r.path.endsWith('/touch'))).toHaveLength(1);
      expect(sim.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/presences'))).toEqual([]);
    } finally {
      await second.daemon.stop();
    }
  });

  it('books queued taps by MOCO’s clock, measured from its answers, without waiting for NTP', async () => {
    await sim.faults.setOffline(true);
    const kioskAt = await boot(THREE_DAYS_MS, 'boot-1');
    try {
      kioskAt.tap(ANNA_UID);
      await eventually(() => expect(kioskAt.logs.withMsg('scan')).toHaveLength(1));
      await sim.faults.setOffline(false);
      kioskAt.daemon.courier.probeNow();
      await eventually(() => expect(kioskAt.logs.withMsg('delivered')).toHaveLength(1), 8_000);
      const [presence] = sim.presences(ANNA.id);
      const now = localParts(Date.now(), TIME_ZONE);
      expect(presence?.date).toBe(now.date);
      expect(kioskAt.logs.withMsg('tap time corrected')).toHaveLength(1);
    } finally {
      await kioskAt.daemon.stop();
    }
  });
});
