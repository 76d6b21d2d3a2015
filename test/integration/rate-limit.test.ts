import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SimUser, type Simulator, startSimulator } from '../../src/moco/sim/index.js';
import {
  cli,
  createKiosk,
  type DaemonProcess,
  enrol,
  ensureBuilt,
  type Kiosk,
  parseJson,
  runDaemon,
  TIME_ZONE,
  until,
} from './harness.js';

/** MOCO's limit, scaled down: 10 requests per 10 s, enforced by the simulator and set in the kiosk. */
const LIMIT = { requests: 10, perSeconds: 10 };
const USERS: SimUser[] = Array.from({ length: 5 }, (_, i) => ({
  id: 2001 + i,
  firstname: 'User',
  lastname: String(i),
  apiKey: `rate-key-${i}`,
}));
const uidOf = (i: number) => `0B00000${i}`;

let sim: Simulator;
let kiosk: Kiosk;
const daemons: DaemonProcess[] = [];

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(async () => {
  sim = await startSimulator({
    port: 0,
    timeZone: TIME_ZONE,
    users: USERS,
    enforceRateLimit: { requests: LIMIT.requests, windowMs: LIMIT.perSeconds * 1000 },
  });
  kiosk = createKiosk({ baseUrl: sim.baseUrl, repeatGuardSeconds: 0, rateLimit: LIMIT });
  enrol(kiosk, ...USERS.map((u, i) => ({ uid: uidOf(i), apiKey: u.apiKey, userId: u.id })));
});
afterEach(async () => {
  for (const daemon of daemons.splice(0)) await daemon.kill9();
  kiosk.remove();
  await sim.close();
});

async function start(): Promise<DaemonProcess> {
  const daemon = await runDaemon(kiosk);
  daemons.push(daemon);
  return daemon;
}

const refused = () => sim.requests().filter((r) => r.status === 429).length;

describe('the rate limit across a restart', () => {
  it('keeps under MOCO’s limit when the daemon is killed mid-drain and started again at once', {
    timeout: 90_000,
  }, async () => {
    await sim.faults.setOffline(true);
    const first = await start();
    // Three taps of each of five people, queued while MOCO is away.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < USERS.length; i++) {
        first.tap(uidOf(i));
        await first.scan(uidOf(i));
      }
      await delay(250);
    }
    await sim.faults.setOffline(false);
    first.tap(uidOf(0));
    // Killed once it has spent most of the window's allowance.
    await until(() => sim.requests().length >= 7, 'the drain under way', 20_000);
    await first.kill9();

    await start();
    // Each of the 16 taps is one write that MOCO took (a write cut off by the kill is found, not resent).
    const written = () =>
      sim.requests().filter((r) => r.method !== 'GET' && r.status !== undefined && r.status < 300);
    await until(() => written().length >= 16, 'every tap written', 60_000, 100);
    const pending = await cli(['queue', 'list', '--json', '--config', kiosk.configPath]);
    expect(parseJson<unknown[]>(pending)).toEqual([]);
    expect(refused()).toBe(0);
  });
});
