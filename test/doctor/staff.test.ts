import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { badgesCheck } from '../../src/doctor/badges.js';
import type { DoctorContext } from '../../src/doctor/checks.js';
import { databaseCheck } from '../../src/doctor/database.js';
import { mocoCheck } from '../../src/doctor/moco.js';
import { staffKeyCheck } from '../../src/doctor/staff.js';
import { DEMO_USERS, type Simulator, startSimulator } from '../../src/moco/sim/index.js';
import { openStores } from '../../src/store/open.js';
import { context, removeTempDirs, results } from './helpers.js';
import { enrol, notRoot, readMasterKey } from './stores.js';

const [ANNA, , CLARA] = DEMO_USERS as [
  (typeof DEMO_USERS)[0],
  (typeof DEMO_USERS)[0],
  (typeof DEMO_USERS)[0],
];

let sim: Simulator;
const contexts: DoctorContext[] = [];

beforeAll(async () => {
  sim = await startSimulator({ port: 0, timeZone: 'Europe/Berlin' });
});
afterEach(() => {
  for (const ctx of contexts.splice(0)) ctx.found.db?.close();
});
afterAll(async () => {
  await sim.close();
  removeTempDirs();
});

/** A kiosk with the Staff key `key` (null: none), badges for these users, after the database check. */
async function kiosk(key: string | null, userIds: number[], yaml = ''): Promise<DoctorContext> {
  const ctx = context(`moco:\n  baseUrl: ${sim.baseUrl}\n  identity: impersonation\n${yaml}`);
  contexts.push(ctx);
  if (key !== null) writeFileSync(join(ctx.configPath, '..', 'staff.key'), `${key}\n`, { mode: 0o600 });
  enrol(
    ctx,
    userIds.map((userId, i) => ({ uid: `0${i}A1`, userId, userName: `User ${userId}`, apiKey: null })),
  );
  ctx.found.masterKey = readMasterKey(ctx);
  await databaseCheck({ process: notRoot }).run(ctx);
  return ctx;
}

const check = () => staffKeyCheck({ env: {} });

describe('staffKeyCheck', () => {
  it('passes a Staff key that acts for an enrolled user, and says for whom', async () => {
    const ctx = await kiosk(CLARA.apiKey, [CLARA.id, ANNA.id]);
    expect(await results(check(), ctx)).toEqual([
      {
        status: 'ok',
        detail: `MOCO accepts the Staff key (user ${CLARA.id}) acting for User 1001 (user ${ANNA.id})`,
      },
    ]);
    expect(sim.requests().at(-1)).toMatchObject({
      path: '/api/v1/session',
      impersonate: String(ANNA.id),
      userId: ANNA.id,
    });
  });

  it('fails a key without the Staff permission, and says what to change in MOCO', async () => {
    const ctx = await kiosk(ANNA.apiKey, [DEMO_USERS[1]?.id as number]);
    const found = await results(check(), ctx);
    expect(found.map((r) => [r.status, r.detail])).toEqual([
      [
        'fail',
        `the Staff key (MOCO user ${ANNA.id}) may not read MOCO's users (403): "badge add --user" and badges kept in MOCO need it`,
      ],
      ['fail', `MOCO refuses the Staff key (user ${ANNA.id}) acting for User 1002 (user 1002) (403)`],
    ]);
    expect(found[1]?.fix).toMatch(/give the key's MOCO user the Staff permission in MOCO/);
  });

  it('fails a badge whose user MOCO does not have', async () => {
    const ctx = await kiosk(CLARA.apiKey, [4242]);
    expect((await results(check(), ctx)).map((r) => r.detail)).toEqual([
      'MOCO has no user 4242 (User 4242) to act for',
    ]);
  });

  it('says where the key goes when there is none, and narrows a key file others can read', async () => {
    const missing = await kiosk(null, []);
    const [none] = await results(check(), missing);
    expect(none).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('sudo install -m 600 /dev/stdin'),
    });
    const open = await kiosk(CLARA.apiKey, []);
    const path = join(open.configPath, '..', 'staff.key');
    chmodSync(path, 0o644);
    const found = await results(check(), open);
    expect(found[0]).toMatchObject({ status: 'fail', fix: `sudo chmod 600 ${path}` });
    expect(found[1]).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('no badge enrolled yet'),
    });
  });

  it('leaves the MOCO line to reachability: no badge has a key of its own to try', async () => {
    const ctx = await kiosk(CLARA.apiKey, [ANNA.id]);
    expect(await results(mocoCheck(), ctx)).toEqual([
      { status: 'ok', detail: `${sim.baseUrl} reachable; every badge books with the Staff key` },
    ]);
  });

  it('is skipped with per-user keys', async () => {
    const ctx = context(`moco:\n  baseUrl: ${sim.baseUrl}\n`);
    expect((await results(check(), ctx))[0]?.status).toBe('skip');
  });
});

describe('badgesCheck', () => {
  it('fails a UID on two users of MOCO, naming both', async () => {
    const ctx = await kiosk(CLARA.apiKey, [], 'badges:\n  source: moco\n');
    const stores = openStores({
      config: { dataDir: ctx.config.dataDir, configPath: ctx.configPath },
      env: {},
      clock: { now: () => 0 },
      process: notRoot,
    });
    const person = (id: number, name: string) => ({
      id,
      name,
      email: null,
      hasField: true,
      uids: ['0C1A'],
      invalid: [],
      updatedAt: '2026-01-01T00:00:00Z',
    });
    stores.mocoBadges.replaceAll([person(1001, 'Anna Schmidt'), person(1002, 'Ben Meyer')]);
    stores.mocoBadges.saveState({
      field: 'Badge',
      lastFullAt: 1,
      lastSuccessAt: 1,
      lastAttemptAt: 1,
      highWater: '2026-01-01T00:00:00Z',
      fullCount: 2,
      similarFields: [],
      error: null,
      errorCode: null,
    });
    stores.close();
    const found = await results(badgesCheck(), ctx);
    expect(found[0]).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('0 kept in MOCO\'s "Badge" field (2 of 2 users have it)'),
    });
    expect(found[1]).toEqual({
      status: 'fail',
      detail:
        'badge 0C1A is on Anna Schmidt (user 1001) and Ben Meyer (user 1002) in MOCO, so its taps count as unknown',
      fix: 'remove it from all but one "Badge" field in MOCO',
    });
  });
});
