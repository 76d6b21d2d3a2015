import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MocoClient } from '../../src/moco/client.js';
import { type SimUser, type Simulator, startSimulator } from '../../src/moco/sim/index.js';
import { localToEpoch } from '../time/local-to-epoch.js';
import { expectMocoError } from './expect-moco-error.js';

const ANNA_KEY = 'anna-secret-4f9c2e71b0d8a653';
const BEN_KEY = 'ben-secret-93ab0c7d1e2f4856';
const STAFF_KEY = 'staff-secret-0d1e2f3a4b5c6d7e';
const WRONG_KEY = 'wrong-secret-aa11bb22cc33dd44';
const SECRETS = [ANNA_KEY, BEN_KEY, STAFF_KEY, WRONG_KEY];

const USERS: SimUser[] = [
  { id: 11, firstname: 'Anna', lastname: 'Schmidt', email: 'anna@example.com', apiKey: ANNA_KEY },
  { id: 12, firstname: 'Ben', lastname: 'Meyer', apiKey: BEN_KEY },
  { id: 13, firstname: 'Clara', lastname: 'Wagner', apiKey: STAFF_KEY, staff: true },
];

function isoDate(start: string, plusDays: number): string {
  const day = new Date(`${start}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + plusDays);
  return day.toISOString().slice(0, 10);
}

/** The simulator's wall clock: touch acts on MOCO's "now", so the tests set it. */
const simClock = { ms: Date.now(), now: () => simClock.ms };
function at(local: string): void {
  const [date = '', time = ''] = local.split(' ');
  simClock.ms = localToEpoch(date, time, 'Europe/Berlin');
}

describe('MocoClient against the simulator', () => {
  let sim: Simulator;
  let client: MocoClient;

  beforeAll(async () => {
    sim = await startSimulator({ timeZone: 'Europe/Berlin', users: USERS, clock: simClock });
    client = new MocoClient({ baseUrl: sim.baseUrl, timeoutMs: 5000 });
  });

  afterEach(() => sim.faults.reset());

  afterAll(async () => {
    client.close();
    await sim.close();
  });

  describe('touch', () => {
    it("clocks in at MOCO's now and out at the next one", async () => {
      const anna = client.forKey(ANNA_KEY);
      at('2024-03-04 08:15');
      const clockIn = await anna.touch();
      expect(clockIn).toMatchObject({ date: '2024-03-04', from: '08:15', to: null, user: { id: 11 } });

      at('2024-03-04 12:30');
      const clockOut = await anna.touch();
      expect(clockOut).toMatchObject({ id: clockIn?.id, from: '08:15', to: '12:30' });
      expect(sim.presences(11).filter((p) => p.date === '2024-03-04')).toHaveLength(1);
    });

    it('sends is_home_office as a JSON field and never an override', async () => {
      at('2024-03-05 09:00');
      const presence = await client.forKey(ANNA_KEY).touch({ isHomeOffice: true });
      expect(presence?.is_home_office).toBe(true);
      expect(sim.requests().at(-1)?.body).toEqual({ is_home_office: true });
    });

    it('answers 423 on a conflict as locked', async () => {
      const ben = client.forKey(BEN_KEY);
      await ben.createPresence({ date: '2024-03-06', from: '08:00', to: '12:00' });
      at('2024-03-06 09:00');
      const error = await expectMocoError(ben.touch(), 'locked', SECRETS);
      expect(error.status).toBe(423);
    });

    it('returns null for the empty 200 body of older servers', async () => {
      const legacy = await startSimulator({
        timeZone: 'Europe/Berlin',
        users: USERS,
        legacyEmptyTouchBody: true,
        clock: simClock,
      });
      const legacyClient = new MocoClient({ baseUrl: legacy.baseUrl, timeoutMs: 5000 });
      try {
        at('2024-03-07 08:00');
        expect(await legacyClient.forKey(ANNA_KEY).touch()).toBeNull();
        expect(legacy.presences(11)).toMatchObject([{ date: '2024-03-07', from: '08:00', to: null }]);
      } finally {
        legacyClient.close();
        await legacy.close();
      }
    });
  });

  describe('presences, session and profile', () => {
    it('creates, reads, updates and deletes a presence', async () => {
      const anna = client.forKey(ANNA_KEY);
      const created = await anna.createPresence({ date: '2024-04-01', from: '08:00', to: '10:00' });
      expect(await anna.getPresence(created.id)).toEqual(created);

      const updated = await anna.updatePresence(created.id, { to: '11:45' });
      expect(updated).toMatchObject({ id: created.id, from: '08:00', to: '11:45' });

      await anna.deletePresence(created.id);
      expect(sim.requests().at(-1)).toMatchObject({ method: 'DELETE' });
      const gone = await expectMocoError(anna.getPresence(created.id), 'not_found', SECRETS);
      expect(gone.status).toBe(404);
      expect(gone.body).toBeUndefined();
    });

    it('reads the session and the profile, dropping a null email', async () => {
      const session = await client.forKey(ANNA_KEY).session();
      expect(session.id).toBe(11);
      expect(typeof session.uuid).toBe('string');
      expect(await client.forKey(ANNA_KEY).profile()).toMatchObject({ id: 11, email: 'anna@example.com' });
      const ben = await client.forKey(BEN_KEY).profile();
      expect(ben).toMatchObject({ id: 12, firstname: 'Ben', lastname: 'Meyer' });
      expect(ben).not.toHaveProperty('email');
    });

    it('follows pagination to the end: 250 presences in order', async () => {
      const staff = client.forKey(STAFF_KEY);
      const dates = Array.from({ length: 250 }, (_, i) => isoDate('2023-01-01', i));
      for (const date of dates) await staff.createPresence({ date, from: '09:00', to: '17:00' });
      const before = sim.requests().length;

      const listed = await staff.listPresences({ from: '2023-01-01', to: '2023-12-31' });

      expect(listed.map((p) => p.date)).toEqual(dates);
      const pages = sim.requests().slice(before);
      expect(pages.map((r) => new URLSearchParams(r.query).get('page'))).toEqual([null, '2', '3']);
      expect(pages.every((r) => new URLSearchParams(r.query).get('per_page') === '100')).toBe(true);
    });

    it('passes user_id and is_home_office filters', async () => {
      const anna = client.forKey(ANNA_KEY);
      await anna.createPresence({ date: '2024-05-02', from: '08:00', to: '09:00', is_home_office: true });
      await anna.createPresence({ date: '2024-05-03', from: '08:00', to: '09:00' });
      const homeOffice = await anna.listPresences({
        from: '2024-05-01',
        to: '2024-05-31',
        userId: 11,
        isHomeOffice: true,
      });
      expect(homeOffice.map((p) => p.date)).toEqual(['2024-05-02']);
      const query = new URLSearchParams(sim.requests().at(-1)?.query);
      expect(query.get('user_id')).toBe('11');
      expect(query.get('is_home_office')).toBe('true');
    });

    it('refuses from without to (and to without from) without asking MOCO', async () => {
      const before = sim.requests().length;
      await expectMocoError(
        client.forKey(ANNA_KEY).listPresences({ from: '2024-01-01' }),
        'invalid',
        SECRETS,
      );
      await expectMocoError(client.forKey(ANNA_KEY).listPresences({ to: '2024-01-31' }), 'invalid', SECRETS);
      expect(sim.requests()).toHaveLength(before);
    });
  });

  describe('statuses', () => {
    it('maps 401 to unauthorized and keeps its body', async () => {
      const error = await expectMocoError(client.forKey(WRONG_KEY).touch(), 'unauthorized', SECRETS);
      expect(error.status).toBe(401);
      expect(error.body).toEqual({ message: expect.any(String) });
    });

    it('maps 403 (impersonation without staff rights) to forbidden', async () => {
      const ben = client.forKey(BEN_KEY, { impersonateUserId: 11 });
      const error = await expectMocoError(ben.touch(), 'forbidden', SECRETS);
      expect(error.status).toBe(403);
      expect(sim.presences(11).some((p) => p.date === '2024-03-08')).toBe(false);
    });

    it("maps another user's presence to not_found with an empty body", async () => {
      const own = await client.forKey(ANNA_KEY).createPresence({ date: '2024-04-02', from: '08:00' });
      const error = await expectMocoError(client.forKey(BEN_KEY).getPresence(own.id), 'not_found', SECRETS);
      expect(error.body).toBeUndefined();
    });

    it('maps 422 to invalid and keeps the field errors', async () => {
      const anna = client.forKey(ANNA_KEY);
      await anna.createPresence({ date: '2024-04-03', from: '08:00', to: '12:00' });
      const error = await expectMocoError(
        anna.createPresence({ date: '2024-04-03', from: '10:00', to: '14:00' }),
        'invalid',
        SECRETS,
      );
      expect(error.status).toBe(422);
      expect(error.body).toEqual({ from: ['range overlaps'] });
    });

    it('maps 429 to rate_limited with the Retry-After delay', async () => {
      sim.faults.rateLimited = { retryAfterSeconds: 30 };
      const error = await expectMocoError(client.forKey(ANNA_KEY).touch(), 'rate_limited', SECRETS);
      expect(error.status).toBe(429);
      expect(error.retryAfterMs).toBe(30_000);
    });

    it('maps 429 without Retry-After to rate_limited without a delay', async () => {
      sim.faults.rateLimited = {};
      const error = await expectMocoError(client.forKey(ANNA_KEY).session(), 'rate_limited', SECRETS);
      expect(error.retryAfterMs).toBeUndefined();
    });

    it.each([500, 502, 503])('maps %i to server', async (status) => {
      sim.faults.serverError = status;
      const error = await expectMocoError(client.forKey(ANNA_KEY).profile(), 'server', SECRETS);
      expect(error.status).toBe(status);
    });
  });

  describe('impersonation', () => {
    it('acts for the impersonated user with a staff key', async () => {
      const asAnna = client.forKey(STAFF_KEY, { impersonateUserId: 11 });
      at('2024-03-11 07:45');
      const presence = await asAnna.touch();
      expect(presence?.user?.id).toBe(11);
      expect(sim.requests().at(-1)?.userId).toBe(11);
      expect(sim.presences(13).some((p) => p.date === '2024-03-11')).toBe(false);
    });
  });

  describe('users', () => {
    it('lists every page of users with a staff key, with updated_after when asked', async () => {
      const users = await client.forKey(STAFF_KEY).listUsers();
      expect(users.map((u) => u.id)).toEqual([11, 12, 13]);
      expect(users[0]).toMatchObject({ firstname: 'Anna', active: true, custom_properties: {} });
      await client.forKey(STAFF_KEY).listUsers({ updatedAfter: '2024-03-01T10:00:00Z' });
      expect(sim.requests().at(-1)?.query).toBe('updated_after=2024-03-01T10%3A00%3A00Z&per_page=100');
    });

    it('reads one user, and writes custom_properties without relying on the answer', async () => {
      const staff = client.forKey(STAFF_KEY);
      await staff.updateUserCustomProperties(12, { Badge: '04A1B2' });
      expect(sim.requests().at(-1)).toMatchObject({
        method: 'PUT',
        path: '/api/v1/users/12',
        body: { custom_properties: { Badge: '04A1B2' } },
      });
      expect((await staff.getUser(12)).custom_properties).toEqual({ Badge: '04A1B2' });
    });

    it('is forbidden for a normal key and refuses a bad id without asking', async () => {
      await expectMocoError(client.forKey(ANNA_KEY).listUsers(), 'forbidden', SECRETS);
      await expectMocoError(client.forKey(ANNA_KEY).getUser(11), 'forbidden', SECRETS);
      const asked = sim.requests().length;
      await expectMocoError(client.forKey(STAFF_KEY).getUser(0), 'invalid', SECRETS);
      expect(sim.requests()).toHaveLength(asked);
    });
  });

  describe('lost connections', () => {
    it('is unreachable when MOCO refuses connections, and nothing is applied', async () => {
      // Its own simulator: going offline closes every connection, and a connection of the shared
      // client that the server closed a moment ago would turn the next request into an uncertain reset.
      const down = await startSimulator({ timeZone: 'Europe/Berlin', users: USERS });
      const downClient = new MocoClient({ baseUrl: down.baseUrl, timeoutMs: 2000 });
      await down.faults.setOffline(true);
      try {
        const error = await expectMocoError(downClient.forKey(ANNA_KEY).touch(), 'unreachable', SECRETS);
        expect(error.message).toContain('ECONNREFUSED');
        await down.faults.setOffline(false);
        expect(down.presences(11)).toEqual([]);
      } finally {
        downClient.close();
        await down.close();
      }
    });

    it('is uncertain when MOCO applied the touch but the answer was lost', async () => {
      sim.faults.loseResponses(1);
      at('2024-03-13 08:00');
      await expectMocoError(client.forKey(ANNA_KEY).touch(), 'uncertain', SECRETS);
      expect(sim.presences(11).filter((p) => p.date === '2024-03-13')).toMatchObject([
        { from: '08:00', to: null },
      ]);
    });

    it('is uncertain when the answer takes longer than the timeout', async () => {
      const impatient = new MocoClient({ baseUrl: sim.baseUrl, timeoutMs: 200 });
      sim.faults.delayMs = 1000;
      try {
        const error = await expectMocoError(impatient.forKey(ANNA_KEY).touch(), 'uncertain', SECRETS);
        expect(error.message).toContain('timed out');
      } finally {
        impatient.close();
      }
    });

    it('is uncertain when the answer is lost on a reused keep-alive connection', async () => {
      const pooled = new MocoClient({ baseUrl: sim.baseUrl, timeoutMs: 2000 });
      try {
        await pooled.forKey(ANNA_KEY).session();
        sim.faults.loseResponses(1, /\/session$/);
        await expectMocoError(pooled.forKey(ANNA_KEY).session(), 'uncertain', SECRETS);
      } finally {
        pooled.close();
      }
    });
  });
});
