import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../../src/moco/sim/server.js';
import type { Simulator, SimulatorOptions } from '../../../src/moco/sim/types.js';
import { ManualClock } from '../../fakes/clock.js';
import { ANNA, BERLIN, call, fetchFailure, touch } from './http.js';

let sim: Simulator;
const clock = new ManualClock(0);

async function start(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  clock.setLocal('2026-03-10', '09:30');
  sim = await startSimulator({ timeZone: BERLIN, clock, ...options });
  return sim;
}

afterEach(async () => {
  await sim.close();
});

describe('faults', () => {
  it('goes offline with ECONNREFUSED, also for kept-alive connections, and back on the same port', async () => {
    await start();
    expect((await call(sim, ANNA, 'GET', '/session')).status).toBe(200);
    await sim.faults.setOffline(true);
    expect(await fetchFailure(call(sim, ANNA, 'GET', '/session'))).toBe('ECONNREFUSED');
    expect(await fetchFailure(touch(sim, ANNA))).toBe('ECONNREFUSED');
    await sim.faults.setOffline(false);
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
    expect((await touch(sim, ANNA)).status).toBe(200);
    expect(sim.presences()).toHaveLength(1);
  });

  it('cuts a request in flight when going offline, without applying it', async () => {
    await start();
    sim.faults.delayMs = 5_000;
    const pending = fetchFailure(touch(sim, ANNA));
    while (sim.requests().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await sim.faults.setOffline(true);
    expect(await pending).toBeDefined();
    expect(sim.presences()).toEqual([]);
  });

  it('answers every request with the configured 5xx without applying it', async () => {
    await start();
    sim.faults.serverError = 503;
    const answer = await touch(sim, ANNA);
    expect(answer.status).toBe(503);
    expect((await call(sim, ANNA, 'GET', '/session')).status).toBe(503);
    expect(sim.presences()).toEqual([]);
    sim.faults.serverError = null;
    expect((await touch(sim, ANNA)).status).toBe(200);
  });

  it('delays answers: a delayed request finishes after a later undelayed one', async () => {
    await start();
    const finished: string[] = [];
    sim.faults.delayMs = 300;
    const slow = call(sim, ANNA, 'GET', '/session').then(() => finished.push('slow'));
    // Wait until the slow request has arrived, so the delay applies to it and not to the next one.
    while (sim.requests().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    sim.faults.delayMs = 0;
    await call(sim, ANNA, 'GET', '/profile').then(() => finished.push('fast'));
    await slow;
    expect(finished).toEqual(['fast', 'slow']);
  });

  it('answers 429 with Retry-After only when given', async () => {
    await start();
    sim.faults.rateLimited = { retryAfterSeconds: 30 };
    const withHeader = await touch(sim, ANNA);
    expect([withHeader.status, withHeader.headers.get('retry-after')]).toEqual([429, '30']);
    sim.faults.rateLimited = {};
    const without = await touch(sim, ANNA);
    expect([without.status, without.headers.get('retry-after')]).toEqual([429, null]);
    expect(sim.presences()).toEqual([]);
  });

  it('applies a touch whose answer it then drops', async () => {
    await start();
    sim.faults.loseResponses(1);
    expect(await call(sim, ANNA, 'GET', '/session')).toMatchObject({ status: 200 });
    expect(await fetchFailure(touch(sim, ANNA))).toBeDefined();
    expect(sim.presences()).toMatchObject([{ from: '09:30', to: null }]);
    clock.setLocal('2026-03-10', '12:00');
    expect((await touch(sim, ANNA)).json).toMatchObject({ from: '09:30', to: '12:00' });
  });

  it('drops answers to any method on paths matching a filter, as many times as asked', async () => {
    await start();
    sim.faults.loseResponses(2, /\/session$/);
    expect(await fetchFailure(call(sim, ANNA, 'GET', '/session'))).toBeDefined();
    expect((await touch(sim, ANNA)).status).toBe(200);
    expect(await fetchFailure(call(sim, ANNA, 'GET', '/session'))).toBeDefined();
    expect((await call(sim, ANNA, 'GET', '/session')).status).toBe(200);
  });

  it('resets every fault', async () => {
    await start();
    sim.faults.serverError = 500;
    sim.faults.delayMs = 10_000;
    sim.faults.rateLimited = {};
    sim.faults.loseResponses(5);
    sim.faults.reset();
    expect((await touch(sim, ANNA)).status).toBe(200);
  });

  it('enforces a sliding-window rate limit across keys, read on the simulated clock', async () => {
    await start({ enforceRateLimit: { requests: 3, windowMs: 60_000 } });
    for (const key of [ANNA, 'demo-key-ben', ANNA])
      expect((await call(sim, key, 'GET', '/session')).status).toBe(200);
    clock.advance(20_000);
    const limited = await call(sim, 'demo-key-clara', 'GET', '/session');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '40']);
    clock.advance(40_000);
    expect((await call(sim, ANNA, 'GET', '/session')).status).toBe(200);
  });

  it('refuses connections once closed', async () => {
    await start();
    await sim.close();
    expect(await fetchFailure(call(sim, ANNA, 'GET', '/session'))).toBe('ECONNREFUSED');
    await sim.faults.setOffline(false);
    expect(await fetchFailure(call(sim, ANNA, 'GET', '/session'))).toBe('ECONNREFUSED');
  });
});
