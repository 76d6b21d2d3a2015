import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_USERS, type Simulator } from '../../src/moco/sim/index.js';
import { addDays, FRESH_MS, knownUsers, LOOKBACK_DAYS } from '../../src/web/today.js';
import { type Agent, textOf, type WebFixture, webFixture } from './helpers.js';

const [ANNA, BEN, CLARA] = DEMO_USERS as [
  (typeof DEMO_USERS)[number],
  (typeof DEMO_USERS)[number],
  (typeof DEMO_USERS)[number],
];
const TODAY = '2026-11-18';

let web: WebFixture;
afterEach(() => web.close());

async function presence(
  sim: Simulator,
  apiKey: string,
  body: { date: string; from: string; to: string | null },
) {
  const response = await fetch(`${sim.baseUrl}/users/presences`, {
    method: 'POST',
    headers: { Authorization: `Token token=${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`creating a presence: ${response.status}`);
  return (await response.json()) as { id: number };
}

async function kiosk(options: { mocoRequests?: number } = {}): Promise<Agent> {
  web = await webFixture(options);
  web.stores.badges.add({
    uid: '04A1',
    label: 'Anna',
    userId: ANNA.id,
    userName: 'Anna Schmidt',
    apiKey: ANNA.apiKey,
  });
  web.stores.badges.add({
    uid: '04A2',
    label: 'Anna (spare)',
    userId: ANNA.id,
    userName: 'Anna Schmidt',
    apiKey: ANNA.apiKey,
  });
  web.stores.badges.add({
    uid: '04B1',
    label: 'Ben',
    userId: BEN.id,
    userName: 'Ben Meyer',
    apiKey: BEN.apiKey,
  });
  const admin = web.agent();
  await admin.login();
  return admin;
}

const presenceReads = () =>
  web.sim.requests().filter((r) => r.method === 'GET' && r.path === '/api/v1/users/presences');

describe('the Today page', () => {
  it("shows each person's presences of today once, and flags presences left open on earlier days", async () => {
    const admin = await kiosk();
    await presence(web.sim, ANNA.apiKey, { date: '2026-11-16', from: '08:00', to: null });
    await presence(web.sim, ANNA.apiKey, { date: TODAY, from: '07:55', to: '09:10' });
    await presence(web.sim, BEN.apiKey, { date: TODAY, from: '08:30', to: null });
    const text = textOf((await admin.get('/today')).body);
    expect(text).toContain(
      'Still open from earlier days Anna Schmidt: 2026-11-16, from 08:00, never closed (a forgotten clock-out?)',
    );
    expect(text).toContain('Anna Schmidt 07:55–09:10');
    expect(text).toContain('Ben Meyer in 08:30–now');
    // One read per person, not per badge, for today and the days before.
    expect(presenceReads().map((r) => new URLSearchParams(r.query).get('from'))).toEqual([
      addDays(TODAY, -LOOKBACK_DAYS),
      addDays(TODAY, -LOOKBACK_DAYS),
    ]);
  });

  it('asks MOCO again only after a minute: reloading costs nothing', async () => {
    const admin = await kiosk();
    await admin.get('/today');
    await admin.get('/today');
    expect(presenceReads()).toHaveLength(2);
    web.clock.advance(FRESH_MS);
    await admin.get('/today');
    expect(presenceReads()).toHaveLength(4);
  });

  it("stays within the page's share of MOCO's budget and says so", async () => {
    const admin = await kiosk({ mocoRequests: 1 });
    const text = textOf((await admin.get('/today')).body);
    expect(presenceReads()).toHaveLength(1);
    expect(text).toContain(
      "MOCO was not asked for this page: the page's share of MOCO's request limit is used up for now",
    );
    expect(text).toContain('not read from MOCO yet');
  });

  it('leaves MOCO to the taps while the kiosk has taps to deliver', async () => {
    const admin = await kiosk();
    web.daemonRunning();
    web.journalTap('04B1', { userId: BEN.id });
    const text = textOf((await admin.get('/today')).body);
    expect(text).toContain(
      'MOCO was not asked for this page: the kiosk is delivering 1 waiting tap first; ask again once it is out',
    );
    expect(presenceReads()).toHaveLength(0);
  });

  it('does not ask MOCO while the kiosk cannot reach it', async () => {
    const admin = await kiosk();
    web.daemonRunning({ connectivity: 'offline' });
    expect(textOf((await admin.get('/today')).body)).toContain(
      'MOCO was not asked for this page: the kiosk cannot reach MOCO; the presences are as last read',
    );
    expect(presenceReads()).toHaveLength(0);
  });

  it("says what MOCO's refusal of a key means", async () => {
    const admin = await kiosk();
    web.stores.badges.add({
      uid: '04C1',
      label: 'Clara',
      userId: CLARA.id,
      userName: 'Clara Wagner',
      apiKey: 'revoked-key',
    });
    const text = textOf((await admin.get('/today')).body);
    expect(text).toContain(
      "Clara Wagner MOCO rejects the key of this person (401: revoked or mistyped). enrol the badge again with the person's own new key.",
    );
  });
});

describe('closing a presence', () => {
  it('closes a forgotten presence at the chosen time, with PUT and every field', async () => {
    const admin = await kiosk();
    const open = await presence(web.sim, ANNA.apiKey, { date: '2026-11-16', from: '08:00', to: null });
    await admin.get('/today');
    const done = await admin.submit('/today', '/today/close', {
      user: `user:${ANNA.id}`,
      presence: String(open.id),
      to: '17:15',
    });
    expect(done.headers.location).toBe('/today');
    expect(web.sim.presences(ANNA.id)).toEqual([
      expect.objectContaining({ id: open.id, date: '2026-11-16', from: '08:00', to: '17:15' }),
    ]);
    const put = web.sim.requests().find((r) => r.method === 'PUT');
    expect(put).toMatchObject({
      path: `/api/v1/users/presences/${open.id}`,
      body: { date: '2026-11-16', from: '08:00', to: '17:15', is_home_office: false },
    });
    const text = textOf((await admin.get('/today')).body);
    expect(text).toContain("Closed Anna Schmidt's presence of 2026-11-16: 08:00–17:15.");
    expect(text).not.toContain('Still open from earlier days');
    expect(web.log.lines).toContainEqual(
      expect.objectContaining({ msg: 'presence closed', presenceId: open.id, to: '17:15' }),
    );
  });

  it('refuses an end before the start, and a presence the page did not show for that person', async () => {
    const admin = await kiosk();
    const open = await presence(web.sim, ANNA.apiKey, { date: '2026-11-16', from: '08:00', to: null });
    await admin.get('/today');
    await admin.submit('/today', '/today/close', {
      user: `user:${ANNA.id}`,
      presence: String(open.id),
      to: '07:00',
    });
    expect(textOf((await admin.get('/today')).body)).toContain(
      'Not closed: the end must be after the start (08:00).',
    );
    await admin.submit('/today', '/today/close', {
      user: `user:${BEN.id}`,
      presence: String(open.id),
      to: '17:00',
    });
    expect(textOf((await admin.get('/today')).body)).toContain(
      'Not closed: that presence is not on the page any more',
    );
    expect(web.sim.requests().filter((r) => r.method === 'PUT')).toEqual([]);
  });

  it('is refused without the CSRF token', async () => {
    const admin = await kiosk();
    const open = await presence(web.sim, ANNA.apiKey, { date: '2026-11-16', from: '08:00', to: null });
    await admin.get('/today');
    const response = await admin.post('/today/close', {
      user: `user:${ANNA.id}`,
      presence: String(open.id),
      to: '17:00',
    });
    expect(response.statusCode).toBe(403);
    expect(web.sim.presences(ANNA.id)[0]?.to).toBeNull();
  });
});

describe('knownUsers', () => {
  it('makes one person of two badges of one MOCO user, and keeps an unverified badge apart', () => {
    const badge = { createdAt: 0, updatedAt: 0, lastSeenAt: null, keyHint: '…' };
    expect(
      knownUsers([
        { ...badge, uid: 'B', label: 'Ben', userId: 2, userName: 'Ben Meyer' },
        { ...badge, uid: 'A1', label: null, userId: 1, userName: 'Anna Schmidt' },
        { ...badge, uid: 'A2', label: 'spare', userId: 1, userName: 'Anna Schmidt' },
        { ...badge, uid: 'X', label: 'visitor', userId: null, userName: null },
      ]),
    ).toEqual([
      { id: 'user:1', name: 'Anna Schmidt', userId: 1, uids: ['A1', 'A2'] },
      { id: 'user:2', name: 'Ben Meyer', userId: 2, uids: ['B'] },
      { id: 'badge:X', name: 'visitor', userId: null, uids: ['X'] },
    ]);
  });

  it('counts days by the calendar across months and years', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2027-01-05', -14)).toBe('2026-12-22');
  });
});
