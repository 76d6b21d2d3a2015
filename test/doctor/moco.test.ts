import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DoctorContext } from '../../src/doctor/checks.js';
import { databaseCheck } from '../../src/doctor/database.js';
import { doctorRateLimit, mocoCheck } from '../../src/doctor/moco.js';
import { DEMO_USERS, type Simulator, startSimulator } from '../../src/moco/sim/index.js';
import { ManualTimers } from '../fakes/timers.js';
import { TEST_CERT_FILE, TEST_KEY_FILE } from '../moco/counting-server.js';
import { context, removeTempDirs, results, single } from './helpers.js';
import { enrol, notRoot, readMasterKey } from './stores.js';

const [ANNA, BEN] = DEMO_USERS as [(typeof DEMO_USERS)[0], (typeof DEMO_USERS)[0]];

let sim: Simulator;
const contexts: DoctorContext[] = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0, timeZone: 'Europe/Berlin' });
});
afterEach(async () => {
  sim.faults.reset();
  await sim.faults.setOffline(false);
  for (const ctx of contexts.splice(0)) ctx.found.db?.close();
});
afterAll(async () => {
  await sim.close();
  removeTempDirs();
});

const anna = { uid: '04A1', label: 'Anna', userId: ANNA.id, apiKey: ANNA.apiKey };
const ben = { uid: '04B2', label: 'Ben', userId: BEN.id, apiKey: BEN.apiKey };

/**
 * A context after the master key and database checks passed on a database with these badges;
 * `mocoYaml` adds to the moco section.
 */
async function withBadges(badges: Parameters<typeof enrol>[1], mocoYaml = ''): Promise<DoctorContext> {
  const ctx = context(`moco:\n  baseUrl: ${sim.baseUrl}\n${mocoYaml}`);
  contexts.push(ctx);
  enrol(ctx, badges);
  ctx.found.masterKey = readMasterKey(ctx);
  await databaseCheck({ process: notRoot }).run(ctx);
  return ctx;
}

const sessionRequests = () => sim.requests().filter((r) => r.path === '/api/v1/session');

describe('mocoCheck', () => {
  it('trusts the certificates of moco.caFile, as the daemon does', async () => {
    const tls = await startSimulator({
      port: 0,
      timeZone: 'Europe/Berlin',
      tls: { cert: readFileSync(TEST_CERT_FILE), key: readFileSync(TEST_KEY_FILE) },
    });
    try {
      const ctx = context(`moco:\n  baseUrl: ${tls.baseUrl}\n  caFile: ${TEST_CERT_FILE}\n`);
      contexts.push(ctx);
      enrol(ctx, [anna]);
      ctx.found.masterKey = readMasterKey(ctx);
      await databaseCheck({ process: notRoot }).run(ctx);
      expect(await results(mocoCheck(), ctx)).toEqual([
        { status: 'ok', detail: `${tls.baseUrl} reachable; 1 of 1 badge keys valid` },
      ]);
    } finally {
      await tls.close();
    }
  });

  it('passes when MOCO answers and every key is valid for its user', async () => {
    const ctx = await withBadges([anna, ben]);
    const before = sessionRequests().length;
    expect(await results(mocoCheck(), ctx)).toEqual([
      { status: 'ok', detail: `${sim.baseUrl} reachable; 2 of 2 badge keys valid` },
    ]);
    expect(
      sessionRequests()
        .slice(before)
        .map((r) => r.userId),
    ).toEqual([ANNA.id, BEN.id]);
  });

  it("reads MOCO's clock from the answers it gets, for the clock check", async () => {
    const ctx = await withBadges([]);
    sim.setOffsetMs(3 * 3_600_000);
    try {
      await results(mocoCheck(), ctx);
    } finally {
      sim.setOffsetMs(0);
    }
    // The Date header has whole seconds.
    expect(Math.abs((ctx.found.mocoClockOffsetMs ?? 0) - 3 * 3_600_000)).toBeLessThan(2_000);
  });

  it('fails a revoked key, naming the badge, its person and the command that replaces the key', async () => {
    const ctx = await withBadges([anna, { ...ben, apiKey: 'revoked-key-of-ben' }]);
    expect(await results(mocoCheck(), ctx)).toEqual([
      { status: 'ok', detail: `${sim.baseUrl} reachable; 1 of 2 badge keys valid` },
      {
        status: 'fail',
        name: 'badge 04B2',
        detail: `MOCO rejects the key of Ben (user ${BEN.id}) (401: revoked or mistyped)`,
        fix: 'moco-timeclock badge add 04B2 --key <new key> --replace',
      },
    ]);
  });

  it("fails a key that now belongs to someone else than the badge's user", async () => {
    const ctx = await withBadges([{ ...anna, apiKey: BEN.apiKey }]);
    const [, problem] = await results(mocoCheck(), ctx);
    expect(problem).toMatchObject({
      status: 'fail',
      name: 'badge 04A1',
      detail: `the key of Anna (user ${ANNA.id}) now belongs to MOCO user ${BEN.id}`,
    });
  });

  it('gives one failure when MOCO cannot be reached, and tries no more keys', async () => {
    const ctx = await withBadges([anna, ben]);
    await sim.faults.setOffline(true);
    const all = await results(mocoCheck(), ctx);
    expect(all).toHaveLength(1);
    expect(all[0]?.status).toBe('fail');
    expect(all[0]?.detail).toContain(`cannot reach ${sim.baseUrl}`);
    expect(all[0]?.fix).toContain('moco.domain');
  });

  it('fails a base URL that does not lead to the MOCO API', async () => {
    const ctx = await withBadges([anna]);
    ctx.config.moco.baseUrl = `${sim.url}/not-the-api`;
    const result = await single(mocoCheck(), ctx);
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('does not answer like the MOCO API');
  });

  it('proves MOCO reachable with an unknown key when no badge is enrolled', async () => {
    const ctx = await withBadges([]);
    expect(await single(mocoCheck(), ctx)).toEqual({
      status: 'ok',
      detail: `${sim.baseUrl} reachable; no badges enrolled yet`,
    });
  });

  it('still checks MOCO when the badges could not be unlocked', async () => {
    const ctx = await withBadges([anna]);
    ctx.found.badges = null;
    expect((await single(mocoCheck(), ctx)).detail).toBe(
      `${sim.baseUrl} reachable; badge keys not checked (see the database line)`,
    );
  });

  it('still checks MOCO when a stored key cannot be decrypted, and says which badge to re-enrol', async () => {
    const ctx = await withBadges([anna, ben]);
    // A ciphertext copied onto another badge does not decrypt there: it is bound to its UID.
    ctx.found.db
      ?.prepare(
        "UPDATE badges SET api_key = (SELECT api_key FROM badges WHERE uid = '04A1') WHERE uid = '04B2'",
      )
      .run();
    const [reachable, problem] = await results(mocoCheck(), ctx);
    expect(reachable).toEqual({
      status: 'ok',
      detail: `${sim.baseUrl} reachable; badge keys not checked (see the database line)`,
    });
    expect(problem?.status).toBe('fail');
    expect(problem?.detail).toContain('04B2');
    expect(problem?.fix).toContain('--replace');
  });

  it("uses at most half of MOCO's rate limit, leaving the rest to the daemon", async () => {
    expect(doctorRateLimit({ requests: 120, perSeconds: 120 })).toEqual({ requests: 60, windowMs: 120_000 });
    expect(doctorRateLimit({ requests: 1, perSeconds: 10 })).toEqual({ requests: 1, windowMs: 10_000 });

    const ctx = await withBadges([anna, ben], '  rateLimit:\n    requests: 3\n    perSeconds: 60\n');
    const timers = new ManualTimers();
    let now = 1_000_000;
    const before = sessionRequests().length;
    const running = results(mocoCheck({ timers, clock: { now: () => now } }), ctx);
    // One request fits the doctor's share of 3 per minute; the second waits for the window.
    await vi.waitFor(() => expect(timers.delays).toEqual([60_000]));
    expect(sessionRequests().length - before).toBe(1);
    now += 60_000;
    timers.fire();
    expect(await running).toEqual([
      { status: 'ok', detail: `${sim.baseUrl} reachable; 2 of 2 badge keys valid` },
    ]);
  });
});
