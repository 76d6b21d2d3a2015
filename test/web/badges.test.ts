import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../src/moco/sim/index.js';
import { ENROL_WAIT_MS } from '../../src/web/routes/badges.js';
import { readUid } from '../readers/uids.js';
import { type Agent, textOf, type WebFixture, webFixture } from './helpers.js';

const ANNA = DEMO_USERS[0] as (typeof DEMO_USERS)[number];
const KEY = 'a-long-secret-key-of-ben-1234';

let web: WebFixture;
let admin: Agent;
beforeEach(async () => {
  web = await webFixture();
  admin = web.agent();
  await admin.login();
});
afterEach(() => web.close());

describe('the badge list', () => {
  it('shows label, person, last seen and the end of the key, never the key', async () => {
    web.stores.badges.add({ uid: '04A1B2', label: 'Ben', userId: 1002, userName: 'Ben Meyer', apiKey: KEY });
    web.stores.badges.markSeen(readUid('04A1B2'), web.clock.now() - 60_000);
    web.stores.badges.add({ uid: '04A1B3', apiKey: 'unverified-key-5678' });
    const page = await admin.get('/badges');
    const text = textOf(page.body);
    expect(text).toContain('Ben · Ben Meyer (MOCO user 1002) 04A1B2 · key …1234 · last seen 09:29');
    expect(text).toContain('no label · key not verified 04A1B3 · key …5678 · never seen');
    expect(page.body).not.toContain(KEY);
    expect(page.body).not.toContain('unverified-key-5678');
  });

  it('escapes what an admin typed: a label is text, never markup', async () => {
    web.stores.badges.add({ uid: '04A1B2', label: '<script>alert(1)</script>', apiKey: KEY });
    const body = (await admin.get('/badges')).body;
    expect(body).not.toContain('<script>alert(1)');
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('a stored key that cannot be decrypted', () => {
  it('leaves the status page working and says on the badge list what it means', async () => {
    web.stores.badges.add({ uid: '04A1B2', label: 'Ben', apiKey: KEY });
    web.stores.badges.add({ uid: '04A1B3', label: 'Anna', apiKey: 'another-key-1234' });
    // A ciphertext copied onto another badge does not decrypt there (the UID is bound to it).
    web.stores.db.exec(
      "UPDATE badges SET api_key = (SELECT api_key FROM badges WHERE uid = '04A1B2') WHERE uid = '04A1B3'",
    );
    expect((await admin.get('/status')).statusCode).toBe(200);
    const list = await admin.get('/badges');
    expect(list.statusCode).toBe(500);
    expect(textOf(list.body)).toContain("the badge's key cannot be decrypted with this kiosk's master key");
  });
});

describe('rename', () => {
  it('changes the label', async () => {
    web.stores.badges.add({ uid: '04A1B2', label: 'Ben', apiKey: KEY });
    await admin.submit('/badges', '/badges/04A1B2/rename', { label: '  Ben M. ' });
    expect(web.stores.badges.find('04A1B2')?.label).toBe('Ben M.');
    expect(textOf((await admin.get('/badges')).body)).toContain('Badge 04A1B2 is now "Ben M.".');
  });

  it('refuses an empty label and keeps the old one', async () => {
    web.stores.badges.add({ uid: '04A1B2', label: 'Ben', apiKey: KEY });
    await admin.submit('/badges', '/badges/04A1B2/rename', { label: ' ' });
    expect(web.stores.badges.find('04A1B2')?.label).toBe('Ben');
    expect(textOf((await admin.get('/badges')).body)).toContain('The label is empty.');
  });
});

describe('remove', () => {
  it('asks first, warns about taps not delivered yet, and removes when confirmed', async () => {
    web.stores.badges.add({ uid: '04A1B2', label: 'Ben', apiKey: KEY });
    web.journalTap('04A1B2');
    expect(textOf((await admin.get('/badges/04A1B2/remove')).body)).toContain(
      'It has 1 tap not delivered yet: it will fail once the badge is gone.',
    );
    await admin.submit('/badges/04A1B2/remove', '/badges/04A1B2/remove');
    expect(web.stores.badges.find('04A1B2')).not.toBeNull();
    await admin.submit('/badges/04A1B2/remove', '/badges/04A1B2/remove', { confirm: 'yes' });
    expect(web.stores.badges.find('04A1B2')).toBeNull();
    expect(web.log.lines).toContainEqual(
      expect.objectContaining({ msg: 'badge removed', uid: '04A1B2', by: 'web' }),
    );
  });
});

describe('enrol by tap', () => {
  it('waits for the next unknown badge, asks for the key, verifies it with MOCO and stores it', async () => {
    // A badge tapped before the admin asked is not the new one.
    web.stores.unknownScans.record(readUid('0A0A0A0A'), web.clock.now() - 1000);
    expect((await admin.submit('/badges/enrol', '/badges/enrol/start')).headers.location).toBe(
      '/badges/enrol/wait',
    );
    const waiting = await admin.get('/badges/enrol/wait');
    expect(textOf(waiting.body)).toContain('Tap the new badge on the reader now');
    expect(waiting.body).toContain('<meta http-equiv="refresh" content="2">');

    web.clock.advance(3000);
    web.stores.unknownScans.record(readUid('04C0FFEE'));
    const seen = await admin.get('/badges/enrol/wait');
    expect(seen.headers.location).toBe('/badges/enrol/new');
    const form = await admin.get('/badges/enrol/new');
    expect(textOf(form.body)).toContain('Badge 04C0FFEE, tapped 09:30.');
    expect(form.body).toContain('type="password" name="apiKey"');

    const done = await admin.submit('/badges/enrol/new', '/badges/enrol/new', {
      label: 'Anna',
      apiKey: ANNA.apiKey,
    });
    expect(done.headers.location).toBe('/badges');
    expect(web.stores.badges.find('04C0FFEE')).toMatchObject({
      label: 'Anna',
      userId: ANNA.id,
      userName: 'Anna Schmidt',
      apiKey: ANNA.apiKey,
    });
    expect(textOf((await admin.get('/badges')).body)).toContain(
      `Enrolled badge 04C0FFEE for Anna Schmidt (MOCO user ${ANNA.id}), label "Anna".`,
    );
    expect(web.sim.requests().map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['GET /api/v1/session', 'GET /api/v1/profile']),
    );
    const logged = web.log.lines.find((line) => line.msg === 'badge enrolled');
    expect(logged).toMatchObject({ uid: '04C0FFEE', userId: ANNA.id });
    expect(JSON.stringify(web.log.lines)).not.toContain(ANNA.apiKey);
  });

  it("shows MOCO's refusal of a wrong key, keeps the label, and never sends the key back", async () => {
    await admin.submit('/badges/enrol', '/badges/enrol/start');
    web.stores.unknownScans.record(readUid('04C0FFEE'));
    await admin.get('/badges/enrol/wait');
    const refused = await admin.submit('/badges/enrol/new', '/badges/enrol/new', {
      label: 'Anna',
      apiKey: 'typo-in-the-key-0000',
    });
    expect(refused.statusCode).toBe(422);
    expect(textOf(refused.body)).toContain('MOCO refused the key (401)');
    expect(refused.body).toContain('value="Anna"');
    expect(refused.body).not.toContain('typo-in-the-key-0000');
    expect(web.stores.badges.find('04C0FFEE')).toBeNull();
  });

  it('stores an unverified key when asked to, without asking MOCO', async () => {
    await admin.submit('/badges/enrol', '/badges/enrol/start');
    web.stores.unknownScans.record(readUid('04C0FFEE'));
    await admin.get('/badges/enrol/wait');
    await admin.submit('/badges/enrol/new', '/badges/enrol/new', { apiKey: KEY, noVerify: '1' });
    expect(web.stores.badges.find('04C0FFEE')).toMatchObject({ userId: null, apiKey: KEY });
    expect(web.sim.requests()).toEqual([]);
  });

  it('gives up waiting after ten minutes', async () => {
    await admin.submit('/badges/enrol', '/badges/enrol/start');
    web.clock.advance(ENROL_WAIT_MS + 1);
    expect(textOf((await admin.get('/badges/enrol/wait')).body)).toContain(
      'No unknown badge was tapped in the last minutes.',
    );
    web.stores.unknownScans.record(readUid('04C0FFEE'));
    expect((await admin.get('/badges/enrol/wait')).headers.location).toBe('/badges/enrol');
  });

  it('is refused without the CSRF token', async () => {
    await admin.submit('/badges/enrol', '/badges/enrol/start');
    web.stores.unknownScans.record(readUid('04C0FFEE'));
    await admin.get('/badges/enrol/wait');
    expect((await admin.post('/badges/enrol/new', { apiKey: ANNA.apiKey })).statusCode).toBe(403);
    expect(web.stores.badges.find('04C0FFEE')).toBeNull();
  });
});

describe('a new key for a badge', () => {
  it('replaces the key after MOCO verified it, keeping label and history, and points at failed taps', async () => {
    web.stores.badges.add({ uid: '04A1B2', label: 'Anna', apiKey: 'revoked-key-of-anna' });
    const before = web.stores.badges.find('04A1B2');
    const tap = web.journalTap('04A1B2');
    web.stores.journal.markFailed(tap.id, {
      outcome: 'rejected',
      reason: '401 unauthorized: ...',
      uncertain: false,
    });
    web.clock.advance(1000);
    await admin.submit('/badges/04A1B2/key', '/badges/04A1B2/key', { apiKey: ANNA.apiKey });
    expect(web.stores.badges.find('04A1B2')).toMatchObject({
      label: 'Anna',
      userId: ANNA.id,
      apiKey: ANNA.apiKey,
      createdAt: before?.createdAt,
    });
    expect(textOf((await admin.get('/badges')).body)).toContain(
      'It has 1 failed tap: retry them on the Status page.',
    );
  });
});
