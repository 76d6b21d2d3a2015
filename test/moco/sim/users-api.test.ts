import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SimUser, type Simulator, startSimulator } from '../../../src/moco/sim/index.js';
import { ManualClock } from '../../fakes/clock.js';
import { BERLIN, call } from './http.js';

const STAFF = 'staff-key';
const PLAIN = 'plain-key';

function people(count: number): SimUser[] {
  return Array.from({ length: count }, (_, i) => ({
    id: 100 + i,
    firstname: 'User',
    lastname: String(i),
    email: `user${i}@example.com`,
    apiKey: `key-${i}`,
  }));
}

describe('simulator: users', () => {
  let sim: Simulator;
  const clock = new ManualClock(0);

  beforeEach(async () => {
    clock.setLocal('2026-03-02', '09:00');
    sim = await startSimulator({
      timeZone: BERLIN,
      clock,
      users: [
        { id: 1, firstname: 'Sam', lastname: 'Staff', apiKey: STAFF, staff: true },
        { id: 2, firstname: 'Pia', lastname: 'Plain', apiKey: PLAIN, customProperties: { Badge: '04A1' } },
        ...people(150),
      ],
    });
  });
  afterEach(() => sim.close());

  it('lists active users to a Staff key, 100 a page, with the Link to the next one', async () => {
    const first = await call(sim, STAFF, 'GET', '/users');
    expect(first.status).toBe(200);
    expect((first.json as unknown[]).length).toBe(100);
    expect(first.headers.get('x-total')).toBe('152');
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1] ?? '';
    const second = await call(sim, STAFF, 'GET', next.replace(sim.baseUrl, ''));
    expect((second.json as { id: number }[]).map((u) => u.id).at(-1)).toBe(249);
    expect(second.headers.get('link')).not.toMatch(/rel="next"/);
  });

  it('answers a user with custom_properties, active and extern as recorded', async () => {
    const answer = await call(sim, STAFF, 'GET', '/users/2');
    expect(answer.json).toMatchObject({
      id: 2,
      active: true,
      extern: false,
      custom_properties: { Badge: '04A1' },
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
  });

  it('answers 403 with an empty body to a normal key, for the list and for its own record', async () => {
    for (const path of ['/users', '/users/2']) {
      const answer = await call(sim, PLAIN, 'GET', path);
      expect([answer.status, answer.text]).toEqual([403, '']);
    }
  });

  it("answers 403 when a Staff key impersonates a normal user: the rights are the user's", async () => {
    const answer = await call(sim, STAFF, 'GET', '/users', undefined, { 'X-IMPERSONATE-USER-ID': '2' });
    expect(answer.status).toBe(403);
    expect(sim.requests().at(-1)).toMatchObject({ impersonate: '2', userId: 2 });
  });

  it('answers 404 for a user that does not exist', async () => {
    expect((await call(sim, STAFF, 'GET', '/users/99999')).status).toBe(404);
  });

  it('leaves deactivated users out of the list but answers them by id', async () => {
    sim.updateUser(2, { active: false });
    const list = (await call(sim, STAFF, 'GET', '/users?per_page=100&page=1')).json as { id: number }[];
    expect(list.map((u) => u.id)).not.toContain(2);
    expect((await call(sim, STAFF, 'GET', '/users/2')).json).toMatchObject({ active: false });
  });

  it('lists only users changed after updated_after', async () => {
    const before = new Date(clock.now()).toISOString();
    clock.advance(60_000);
    sim.updateUser(105, { customProperties: { Badge: 'BEEF' } });
    const answer = await call(sim, STAFF, 'GET', `/users?updated_after=${encodeURIComponent(before)}`);
    expect((answer.json as { id: number }[]).map((u) => u.id)).toEqual([105]);
    expect(answer.headers.get('x-total')).toBe('1');
  });

  it('merges custom_properties on PUT and ignores names not defined for users', async () => {
    clock.advance(60_000);
    const answer = await call(sim, STAFF, 'PUT', '/users/2', {
      custom_properties: { Badge: '04A1, 0BEEF', Badeg: 'typo' },
    });
    expect(answer.status).toBe(200);
    const user = (await call(sim, STAFF, 'GET', '/users/2')).json as Record<string, unknown>;
    expect(user.custom_properties).toEqual({ Badge: '04A1, 0BEEF' });
    expect(user.updated_at).toBe(new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  });

  it('refuses PUT with 403 to a key that may not change users', async () => {
    const limited = await startSimulator({
      timeZone: BERLIN,
      users: [
        { id: 1, firstname: 'Sam', lastname: 'Staff', apiKey: STAFF, staff: true, editsUsers: false },
        { id: 2, firstname: 'Pia', lastname: 'Plain', apiKey: PLAIN },
      ],
    });
    try {
      const answer = await call(limited, STAFF, 'PUT', '/users/2', { custom_properties: { Badge: '1' } });
      expect([answer.status, answer.text]).toEqual([403, '']);
      expect((await call(limited, STAFF, 'GET', '/users/2')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
