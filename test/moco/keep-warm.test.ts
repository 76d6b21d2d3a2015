import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter } from '../../src/courier/rate-limiter.js';
import { MocoClient } from '../../src/moco/client.js';
import { KeepWarm, keepAliveTimeoutSeconds, keepWarmPlan } from '../../src/moco/keep-warm.js';
import { systemTimers } from '../../src/time/timers.js';
import { captureLogger } from '../fakes/logger.js';
import { ManualTimers } from '../fakes/timers.js';
import { countingServer, eventually } from './counting-server.js';

/** The daemon's window for MOCO's 120 requests per 120 s: a second's margin added. */
const MOCO = { requests: 120, windowMs: 121_000 };

describe('keepWarmPlan', () => {
  it('keeps a connection MOCO holds for 60 s with a request every 58 s, at most 3 of 120 a window', () => {
    expect(keepWarmPlan({ share: 0.03, idleSeconds: 60 }, MOCO)).toEqual({
      on: true,
      everyMs: 58_000,
      most: 3,
      fewestMs: 40_334,
      idleSocketMs: 59_000,
    });
  });

  it('is off when the share allows no request, or fewer than the idle time needs', () => {
    expect(keepWarmPlan({ share: 0, idleSeconds: 60 }, MOCO)).toEqual({
      on: false,
      reason: 'moco.keepWarm.share (0 % of 120 requests) allows no request',
    });
    expect(keepWarmPlan({ share: 0.03, idleSeconds: 40 }, MOCO)).toEqual({
      on: false,
      reason: 'a request every 38 s would be more than 3 per 121 s (3 % of moco.rateLimit)',
    });
    // An unlimited plan: 36 a window, one every 3.4 s, enough for a server that waits 6 s.
    expect(
      keepWarmPlan({ share: 0.03, idleSeconds: 6 }, { requests: 1200, windowMs: 121_000 }),
    ).toMatchObject({
      on: true,
      everyMs: 4000,
    });
  });
});

describe('keepAliveTimeoutSeconds', () => {
  it('reads the timeout of a Keep-Alive header, in any position', () => {
    expect(keepAliveTimeoutSeconds('timeout=5')).toBe(5);
    expect(keepAliveTimeoutSeconds('max=100, timeout=75')).toBe(75);
    expect(keepAliveTimeoutSeconds('max=100')).toBeUndefined();
    expect(keepAliveTimeoutSeconds(undefined)).toBeUndefined();
  });
});

describe('KeepWarm', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-03-02T18:00:00Z') });
  });
  afterEach(() => vi.useRealTimers());

  const clock = { now: () => Date.now() };

  /** KeepWarm with a real rate limiter; each ping is answered at once, as over a warm connection. */
  function rig(options: { idleSeconds?: number; keepAlive?: string; canPing?: () => boolean } = {}) {
    const limiter = new RateLimiter(MOCO, clock, systemTimers);
    const plan = keepWarmPlan({ share: 0.03, idleSeconds: options.idleSeconds ?? 60 }, MOCO);
    if (!plan.on) throw new Error(plan.reason);
    const pings: number[] = [];
    const { logger, lines } = captureLogger();
    let failing = false;
    const keepWarm: KeepWarm = new KeepWarm({
      plan,
      limit: MOCO,
      share: 0.03,
      tryAcquire: () => limiter.tryAcquire('sync'),
      canPing: options.canPing ?? (() => true),
      ping: async () => {
        pings.push(Date.now());
        if (failing) throw new Error('ECONNRESET');
        keepWarm.answered(options.keepAlive);
      },
      timers: systemTimers,
      logger,
    });
    return {
      keepWarm,
      limiter,
      pings,
      lines,
      fail: () => {
        failing = true;
      },
      /** Seconds after the start at which each ping went out. */
      at: (start: number) => pings.map((t) => (t - start) / 1000),
    };
  }

  it('asks every 58 s of silence, and no more than 3 times in any window of the limit', async () => {
    const { keepWarm, limiter, pings, at } = rig();
    const start = Date.now();
    keepWarm.answered(undefined);
    await vi.advanceTimersByTimeAsync(10 * 60_000);

    expect(at(start)).toEqual([58, 116, 174, 232, 290, 348, 406, 464, 522, 580]);
    for (const t of pings)
      expect(pings.filter((p) => p > t - MOCO.windowMs && p <= t).length).toBeLessThanOrEqual(3);
    keepWarm.stop();
    limiter.stop();
  });

  it('waits again from each answer another request got', async () => {
    const { keepWarm, limiter, at } = rig();
    const start = Date.now();
    keepWarm.answered(undefined);
    await vi.advanceTimersByTimeAsync(50_000);
    keepWarm.answered(undefined);
    await vi.advanceTimersByTimeAsync(60_000);

    expect(at(start)).toEqual([108]);
    keepWarm.stop();
    limiter.stop();
  });

  it('skips a turn when the window is full, rather than wait behind what the window holds', async () => {
    const { keepWarm, limiter, at } = rig();
    const start = Date.now();
    keepWarm.answered(undefined);
    await vi.advanceTimersByTimeAsync(57_000);
    for (let i = 0; i < MOCO.requests; i++) await limiter.acquire('drain');
    await vi.advanceTimersByTimeAsync(240_000 - 57_000);

    // Refused at 58, 116 and 174 s; the drain's requests leave the window at 178 s.
    expect(at(start)).toEqual([232]);
    keepWarm.stop();
    limiter.stop();
  });

  it('asks nothing without a key, and starts again with the next answer', async () => {
    let key = false;
    const { keepWarm, limiter, at } = rig({ canPing: () => key });
    const start = Date.now();
    keepWarm.answered(undefined);
    await vi.advanceTimersByTimeAsync(200_000);
    expect(at(start)).toEqual([]);

    key = true;
    keepWarm.answered(undefined);
    await vi.advanceTimersByTimeAsync(58_000);
    expect(at(start)).toEqual([258]);
    keepWarm.stop();
    limiter.stop();
  });

  it('tries again a turn later when a keep-warm request fails', async () => {
    const { keepWarm, limiter, at, fail } = rig();
    const start = Date.now();
    fail();
    keepWarm.answered(undefined);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(at(start)).toEqual([58, 116]);
    keepWarm.stop();
    limiter.stop();
  });

  it("follows a server's shorter Keep-Alive timeout, and stops when the share cannot follow", async () => {
    const shorter = rig({ keepAlive: 'timeout=50' });
    const start = Date.now();
    shorter.keepWarm.answered('timeout=50');
    await vi.advanceTimersByTimeAsync(100_000);
    expect(shorter.at(start)).toEqual([48, 96]);
    expect(shorter.lines).toMatchObject([
      { msg: 'keep-warm follows MOCO', keepAliveSeconds: 50, everySeconds: 48 },
    ]);
    shorter.keepWarm.stop();
    shorter.limiter.stop();

    const tooShort = rig();
    tooShort.keepWarm.answered('timeout=5');
    await vi.advanceTimersByTimeAsync(600_000);
    expect(tooShort.pings).toEqual([]);
    expect(tooShort.lines).toMatchObject([
      {
        msg: 'MOCO closes idle connections too soon to keep one ready; keep-warm is off',
        keepAliveSeconds: 5,
        reason: 'a request every 3 s would be more than 3 per 121 s (3 % of moco.rateLimit)',
      },
    ]);
    tooShort.limiter.stop();
  });

  it('asks nothing once stopped', async () => {
    const { keepWarm, limiter, pings } = rig();
    keepWarm.answered(undefined);
    keepWarm.stop();
    keepWarm.answered(undefined);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(pings).toEqual([]);
    limiter.stop();
  });
});

describe('MocoClient keeping a connection warm', () => {
  const KEY = 'keep-warm-secret-1f2e3d4c5b6a';
  const OTHER = 'keep-warm-secret-other-9a8b7c';
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup() {
    const server = await countingServer('http');
    // Node's default of 5 s, announced as `Keep-Alive: timeout=5`, is too short for 3 % of 120.
    server.setKeepAliveSeconds(60);
    const timers = new ManualTimers();
    const moco = new MocoClient({
      baseUrl: server.baseUrl,
      timeoutMs: 2000,
      timers,
      keepWarm: { settings: { share: 0.03, idleSeconds: 60 }, limit: MOCO, tryAcquire: () => true },
    });
    cleanups.push(
      () => server.close(),
      () => moco.close(),
    );
    return { server, timers, moco };
  }

  it('asks GET /session on the open connection, with the last accepted key, acting for no one', async () => {
    const { server, timers, moco } = await setup();
    await moco
      .forKey(KEY, { impersonateUserId: 7 })
      .touch()
      .catch(() => undefined);
    // The touch's own deadline, then keep-warm's next turn.
    expect(timers.delays).toEqual([2_000, 58_000]);

    timers.fire();
    await eventually(() => server.requests.length === 2);
    expect(server.requests[1]).toEqual({
      label: 'GET /api/v1/session',
      connection: 1,
      authorization: `Token token=${KEY}`,
    });
    expect(server.connections).toBe(1);
    await eventually(() => timers.pendingCount === 1);
  });

  it('drops a key MOCO refuses, and asks again only after another request got through', async () => {
    const { server, timers, moco } = await setup();
    await moco.forKey(KEY).session();
    server.refused.add(KEY);
    timers.fire();
    await eventually(() => server.requests.length === 2 && timers.pendingCount === 1);

    timers.fire();
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.requests).toHaveLength(2);
    expect(timers.pendingCount).toBe(0);

    await moco.forKey(OTHER).session();
    timers.fire();
    await eventually(() => server.requests.length === 4);
    expect(server.requests[3]?.authorization).toBe(`Token token=${OTHER}`);
  });
});
