import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../../src/moco/sim/server.js';
import type { Simulator } from '../../../src/moco/sim/types.js';
import type { Presence } from '../../../src/moco/types.js';
import { ManualClock } from '../../fakes/clock.js';
import { ANNA, BEN, BERLIN, CLARA, call } from './http.js';

let sim: Simulator;
const clock = new ManualClock(0);

beforeEach(async () => {
  clock.setLocal('2026-03-10', '09:30');
  sim = await startSimulator({ timeZone: BERLIN, clock });
});

afterEach(async () => {
  await sim.close();
});

function create(key: string, body: unknown) {
  return call(sim, key, 'POST', '/users/presences', body);
}

describe('create and update', () => {
  it('creates a presence for the key owner with timestamps of the simulated now', async () => {
    const answer = await create(ANNA, { date: '2026-03-10', from: '08:00', to: '12:30' });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      date: '2026-03-10',
      from: '08:00',
      to: '12:30',
      is_home_office: false,
      user: { id: 1001 },
      created_at: '2026-03-10T08:30:00Z',
    });
  });

  it('answers 422 naming every missing or malformed field', async () => {
    const missing = await create(ANNA, { to: '10:00' });
    expect(missing.status).toBe(422);
    expect(missing.json).toEqual({ date: ["can't be blank"], from: ["can't be blank"] });
    const malformed = await create(ANNA, { date: '2026-02-30', from: '08:00', is_home_office: 'yes' });
    expect(malformed.json).toEqual({ date: ['is invalid'], is_home_office: ['is invalid'] });
    const backwards = await create(ANNA, { date: '2026-03-10', from: '10:00', to: '10:00' });
    expect(backwards.json).toEqual({ to: ['must be after from'] });
    expect(sim.presences()).toEqual([]);
  });

  it('answers a time that is not HH:MM with a plain-text 500, as the live probe saw for from "8"', async () => {
    const answer = await create(ANNA, { date: '2026-03-10', from: '8' });
    expect(answer.status).toBe(500);
    expect(answer.headers.get('content-type')).toBe('text/plain');
    expect(answer.text).toMatch(/^500 Internal Server Error/);
    expect(sim.presences()).toEqual([]);
  });

  it('refuses overlapping ranges of the same user and date but allows touching ones', async () => {
    await create(ANNA, { date: '2026-03-10', from: '08:00', to: '12:00' });
    const overlap = await create(ANNA, { date: '2026-03-10', from: '11:00', to: '13:00' });
    expect(overlap.status).toBe(422);
    expect(overlap.json).toEqual({ from: ['range overlaps'] });
    expect((await create(ANNA, { date: '2026-03-10', from: '12:00', to: '13:00' })).status).toBe(200);
    expect((await create(ANNA, { date: '2026-03-11', from: '11:00', to: '13:00' })).status).toBe(200);
    expect((await create(BEN, { date: '2026-03-10', from: '11:00', to: '13:00' })).status).toBe(200);
  });

  it('treats an open presence as running to the end of its day', async () => {
    await create(ANNA, { date: '2026-03-10', from: '09:00' });
    expect((await create(ANNA, { date: '2026-03-10', from: '15:00', to: '16:00' })).status).toBe(422);
    expect((await create(ANNA, { date: '2026-03-10', from: '07:00', to: '09:00' })).status).toBe(200);
  });

  it('updates some fields, keeping the others, with the same validation', async () => {
    const early = (await create(ANNA, { date: '2026-03-10', from: '08:00', to: '09:00' })).json as Presence;
    const late = (await create(ANNA, { date: '2026-03-10', from: '10:00' })).json as Presence;
    const closed = await call(sim, ANNA, 'PUT', `/users/presences/${late.id}`, { to: '14:00' });
    expect(closed.status).toBe(200);
    expect(closed.json).toMatchObject({ id: late.id, date: '2026-03-10', from: '10:00', to: '14:00' });
    const overlap = await call(sim, ANNA, 'PUT', `/users/presences/${early.id}`, { to: '10:30' });
    expect(overlap.json).toEqual({ from: ['range overlaps'] });
    const invalid = await call(sim, ANNA, 'PUT', `/users/presences/${early.id}`, { from: '25:00' });
    expect(invalid.status).toBe(500);
    const patched = await call(sim, ANNA, 'PATCH', `/users/presences/${early.id}`, { to: '09:30' });
    expect(patched.json).toMatchObject({ id: early.id, from: '08:00', to: '09:30' });
    expect(sim.presences(1001).map((p) => [p.from, p.to])).toEqual([
      ['08:00', '09:30'],
      ['10:00', '14:00'],
    ]);
  });

  it('deletes with 200 and the deleted presence, after which it is gone', async () => {
    const presence = (await create(ANNA, { date: '2026-03-10', from: '08:00' })).json as Presence;
    const deleted = await call(sim, ANNA, 'DELETE', `/users/presences/${presence.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual(presence);
    expect((await call(sim, ANNA, 'GET', `/users/presences/${presence.id}`)).status).toBe(404);
  });

  it('deletes with an empty 204 as recorded until 2022, when asked to', async () => {
    const old = await startSimulator({ timeZone: BERLIN, clock, variants: { deleteAnswer: 'empty' } });
    try {
      const created = await call(old, ANNA, 'POST', '/users/presences', {
        date: '2026-03-10',
        from: '08:00',
      });
      const deleted = await call(old, ANNA, 'DELETE', `/users/presences/${(created.json as Presence).id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect(old.presences()).toEqual([]);
    } finally {
      await old.close();
    }
  });

  it("hides other users' presences behind empty 404s", async () => {
    const presence = (await create(ANNA, { date: '2026-03-10', from: '08:00' })).json as Presence;
    expect(await call(sim, ANNA, 'GET', `/users/presences/${presence.id}`)).toMatchObject({ status: 200 });
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const answer = await call(
        sim,
        BEN,
        method,
        `/users/presences/${presence.id}`,
        method === 'PUT' ? {} : undefined,
      );
      expect([answer.status, answer.text]).toEqual([404, '']);
    }
    expect(sim.presences(1001)).toHaveLength(1);
  });
});

describe('list', () => {
  it('wants from and to together, as valid dates', async () => {
    expect((await call(sim, ANNA, 'GET', '/users/presences?from=2026-03-01')).status).toBe(422);
    expect((await call(sim, ANNA, 'GET', '/users/presences?to=2026-03-01')).status).toBe(422);
    expect((await call(sim, ANNA, 'GET', '/users/presences?from=2026-03-01&to=March')).status).toBe(422);
  });

  it('filters by date range and home office, sorted by date and from, own presences only', async () => {
    await create(ANNA, { date: '2026-03-12', from: '08:00', to: '09:00' });
    await create(ANNA, { date: '2026-03-11', from: '13:00', to: '14:00', is_home_office: true });
    await create(ANNA, { date: '2026-03-11', from: '08:00', to: '09:00' });
    await create(ANNA, { date: '2026-02-28', from: '08:00', to: '09:00' });
    await create(BEN, { date: '2026-03-11', from: '08:00', to: '09:00' });
    const ranged = await call(sim, ANNA, 'GET', '/users/presences?from=2026-03-01&to=2026-03-31');
    expect((ranged.json as Presence[]).map((p) => `${p.date} ${p.from}`)).toEqual([
      '2026-03-11 08:00',
      '2026-03-11 13:00',
      '2026-03-12 08:00',
    ]);
    const home = await call(sim, ANNA, 'GET', '/users/presences?is_home_office=true');
    expect((home.json as Presence[]).map((p) => p.from)).toEqual(['13:00']);
    const others = await call(sim, ANNA, 'GET', '/users/presences?user_id=1002');
    expect(others.json).toEqual([]);
  });

  it('pages 250 presences by 100 with X- headers and a Link to the next page', async () => {
    for (let day = 0; day < 250; day += 1) {
      const date = new Date(Date.UTC(2025, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
      await create(ANNA, { date, from: '08:00', to: '09:00' });
    }
    const pages: Presence[][] = [];
    let next: string | undefined =
      `${sim.baseUrl}/users/presences?from=2025-01-01&to=2025-12-31&per_page=100`;
    while (next !== undefined) {
      const response = await fetch(next, { headers: { Authorization: 'Token token=demo-key-anna' } });
      expect(response.headers.get('x-total')).toBe('250');
      expect(response.headers.get('x-per-page')).toBe('100');
      expect(response.headers.get('x-page')).toBe(String(pages.length + 1));
      pages.push((await response.json()) as Presence[]);
      next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
      if (next !== undefined) expect(next).toContain('from=2025-01-01&to=2025-12-31');
    }
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    const dates = pages.flat().map((p) => p.date);
    expect(new Set(dates).size).toBe(250);
    expect(dates).toEqual([...dates].sort());
    const capped = await call(sim, ANNA, 'GET', '/users/presences?per_page=500&page=3');
    expect(capped.headers.get('x-per-page')).toBe('100');
    expect(capped.headers.get('link')).not.toContain('rel="next"');
    expect(capped.headers.get('link')).toContain('rel="prev"');
  });
});

describe('identity', () => {
  it('answers session and profile for the key owner, with Token or Bearer', async () => {
    const session = await call(sim, ANNA, 'GET', '/session');
    expect(session.json).toEqual({ id: 1001, uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const profile = await call(sim, null, 'GET', '/profile', undefined, {
      Authorization: 'Bearer demo-key-ben',
    });
    expect(profile.json).toMatchObject({
      id: 1002,
      first_name: 'Ben',
      last_name: 'Meyer',
      full_name: 'Ben Meyer',
      email: 'ben@example.com',
    });
    expect(profile.json).not.toHaveProperty('firstname');
  });

  it('lets a staff key act for another user, and refuses that to others', async () => {
    const asAnna = { 'X-IMPERSONATE-USER-ID': '1001' };
    expect((await call(sim, CLARA, 'GET', '/session', undefined, asAnna)).json).toMatchObject({ id: 1001 });
    await call(sim, CLARA, 'POST', '/users/presences/touch', undefined, asAnna);
    expect(sim.presences(1001)).toHaveLength(1);
    expect(sim.presences(1003)).toHaveLength(0);
    const refused = await call(sim, BEN, 'GET', '/session', undefined, asAnna);
    expect([refused.status, refused.text]).toEqual([403, '']);
    const nobody = await call(sim, CLARA, 'GET', '/session', undefined, { 'X-IMPERSONATE-USER-ID': '999' });
    expect(nobody.status).toBe(404);
  });

  it.each([
    ['no header', {}],
    ['an unknown key', { Authorization: 'Token token=nope' }],
    ['a malformed header', { Authorization: 'demo-key-anna' }],
  ])('answers 401 with a message for %s', async (_name, headers) => {
    const answer = await call(sim, null, 'GET', '/session', undefined, headers);
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ message: 'Unauthorized' });
  });

  it('answers unknown routes with an empty 404 and bad JSON with 400', async () => {
    const unknown = await call(sim, ANNA, 'GET', '/projects');
    expect([unknown.status, unknown.text]).toEqual([404, '']);
    const response = await fetch(`${sim.baseUrl}/users/presences`, {
      method: 'POST',
      headers: { Authorization: 'Token token=demo-key-anna', 'Content-Type': 'application/json' },
      body: '{"date":',
    });
    expect(response.status).toBe(400);
  });

  it('logs every received request with its query, body, acting user and answer', async () => {
    await call(sim, ANNA, 'GET', '/users/presences?from=2026-03-01&to=2026-03-02');
    await call(
      sim,
      CLARA,
      'POST',
      '/users/presences/touch',
      { override: '2026-03-10 08:00' },
      {
        'X-IMPERSONATE-USER-ID': '1002',
      },
    );
    await call(sim, 'wrong', 'GET', '/session');
    expect(sim.requests()).toEqual([
      {
        method: 'GET',
        path: '/api/v1/users/presences',
        query: 'from=2026-03-01&to=2026-03-02',
        body: undefined,
        userId: 1001,
        status: 200,
      },
      {
        method: 'POST',
        path: '/api/v1/users/presences/touch',
        query: '',
        body: { override: '2026-03-10 08:00' },
        userId: 1002,
        impersonate: '1002',
        status: 200,
      },
      { method: 'GET', path: '/api/v1/session', query: '', body: undefined, status: 401 },
    ]);
  });

  it('accepts users added after the start', async () => {
    sim.addUser({ id: 7, firstname: 'Dora', lastname: 'Klein', apiKey: 'key-dora' });
    expect((await call(sim, 'key-dora', 'GET', '/session')).json).toMatchObject({ id: 7 });
    expect(() => sim.addUser({ id: 8, firstname: 'E', lastname: 'F', apiKey: 'key-dora' })).toThrow(
      /already used/,
    );
  });
});
