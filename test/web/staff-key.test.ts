import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../src/moco/sim/index.js';
import { readUid } from '../readers/uids.js';
import { type Agent, STAFF_KEY, textOf, type WebFixture, webFixture } from './helpers.js';

/** The page with one Staff key for everyone: the enrol form asks for the MOCO user, not a key. */

const [ANNA, BEN, CLARA] = DEMO_USERS as [
  (typeof DEMO_USERS)[number],
  (typeof DEMO_USERS)[number],
  (typeof DEMO_USERS)[number],
];

let web: WebFixture;
let admin: Agent;
afterEach(() => web.close());

async function page(badges: 'local' | 'moco'): Promise<void> {
  web = await webFixture({ staffKey: { badges } });
  admin = web.agent();
  await admin.login();
}

async function tapped(uid: string): Promise<void> {
  await admin.submit('/badges/enrol', '/badges/enrol/start');
  web.clock.advance(1000);
  web.stores.unknownScans.record(readUid(uid));
  await admin.get('/badges/enrol/wait');
}

describe('badges on the kiosk, booked with the Staff key', () => {
  it('enrols a tapped badge for the MOCO user given by id or email, and stores no key', async () => {
    await page('local');
    await tapped('04C0FFEE');
    const form = await admin.get('/badges/enrol/new');
    expect(form.body).toContain('name="user"');
    expect(form.body).not.toContain('name="apiKey"');

    const done = await admin.submit('/badges/enrol/new', '/badges/enrol/new', {
      label: 'Anna',
      user: ANNA.email ?? '',
    });
    expect(done.headers.location).toBe('/badges');
    expect(web.stores.badges.find('04C0FFEE')).toMatchObject({
      label: 'Anna',
      userId: ANNA.id,
      userName: 'Anna Schmidt',
      apiKey: null,
    });
    const list = textOf((await admin.get('/badges')).body);
    expect(list).toContain(`Enrolled badge 04C0FFEE for Anna Schmidt (MOCO user ${ANNA.id}), label "Anna".`);
    expect(list).toContain('04C0FFEE · booked with the Staff key');
    expect(list).toContain('Other user…');
    expect(web.sim.requests().every((r) => r.userId === CLARA.id && r.impersonate === undefined)).toBe(true);
    expect(JSON.stringify(web.log.lines)).not.toContain(STAFF_KEY);
  });

  it('says why a user cannot be given, and stores nothing', async () => {
    await page('local');
    await tapped('04C0FFEE');
    const refused = await admin.submit('/badges/enrol/new', '/badges/enrol/new', { user: '4242' });
    expect(refused.statusCode).toBe(422);
    expect(textOf(refused.body)).toContain('there is no MOCO user 4242');
    expect(web.stores.badges.find('04C0FFEE')).toBeNull();
  });

  it('gives a badge to another user, and keeps its taps booked for whom they were taken', async () => {
    await page('local');
    web.stores.badges.add({
      uid: '04A1',
      label: 'Desk',
      userId: ANNA.id,
      userName: 'Anna Schmidt',
      apiKey: null,
    });
    web.journalTap('04A1', { userId: ANNA.id });
    expect(textOf((await admin.get('/badges/04A1/remove')).body)).toContain(
      'It has 1 tap not delivered yet: it is still booked for Anna Schmidt.',
    );
    await admin.submit('/badges/04A1/key', '/badges/04A1/key', { user: String(BEN.id) });
    expect(web.stores.badges.find('04A1')).toMatchObject({ userId: BEN.id, label: 'Desk', apiKey: null });
    expect(textOf((await admin.get('/badges')).body)).toContain(
      `Badge 04A1 now books for Ben Meyer (MOCO user ${BEN.id}) with the Staff key.`,
    );
  });

  it("reads a person's day on the Today page with the Staff key, acting for them", async () => {
    await page('local');
    web.stores.badges.add({ uid: '04A1', userId: ANNA.id, userName: 'Anna Schmidt', apiKey: null });
    const text = textOf((await admin.get('/today')).body);
    expect(text).toContain('Anna Schmidt');
    expect(web.sim.requests().filter((r) => r.path === '/api/v1/users/presences')).toMatchObject([
      { impersonate: String(ANNA.id), userId: ANNA.id },
    ]);
  });
});

describe('badges kept in MOCO', () => {
  it('lists the copy of the last sync, and sends changes to MOCO', async () => {
    await page('moco');
    web.stores.mocoBadges.replaceAll([
      {
        id: ANNA.id,
        name: 'Anna Schmidt',
        email: null,
        hasField: true,
        uids: ['04A1'],
        invalid: [],
        updatedAt: '2026-11-18T08:00:00Z',
      },
    ]);
    const list = textOf((await admin.get('/badges')).body);
    expect(list).toContain(`Anna Schmidt (MOCO user ${ANNA.id}) 04A1 · never seen`);
    expect(list).toContain("The badges are kept in MOCO, in the users' Badge field");
    const rename = await admin.submit('/badges', '/badges/04A1/rename', { label: 'x' });
    expect(rename.headers.location).toBe('/badges');
    expect(textOf((await admin.get('/badges')).body)).toContain(
      `The badges are kept in MOCO: change this one in its user's "Badge" field there.`,
    );
  });

  it("enrols a tapped badge by writing it into the user's field in MOCO", async () => {
    await page('moco');
    await tapped('04C0FFEE');
    const form = await admin.get('/badges/enrol/new');
    expect(form.body).not.toContain('name="label"');
    const done = await admin.submit('/badges/enrol/new', '/badges/enrol/new', { user: String(BEN.id) });
    expect(done.headers.location).toBe('/badges');
    expect(web.sim.requests().find((r) => r.method === 'PUT')).toMatchObject({
      path: `/api/v1/users/${BEN.id}`,
      body: { custom_properties: { Badge: '04C0FFEE' } },
    });
    expect(web.stores.mocoBadges.lookup('04C0FFEE')).toEqual({
      kind: 'user',
      user: { id: BEN.id, name: 'Ben Meyer' },
    });
    expect(textOf((await admin.get('/badges')).body)).toContain(
      `Badge 04C0FFEE is in Ben Meyer's "Badge" field in MOCO: this kiosk books it now, the others after their next sync.`,
    );
  });
});
