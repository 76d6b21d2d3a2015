import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SimUser, type Simulator, startSimulator } from '../../src/moco/sim/index.js';
import { openStores } from '../../src/store/open.js';
import { systemClock } from '../../src/time/clock.js';
import { cli, ensureBuilt } from '../integration/harness.js';
import { readUid } from '../readers/uids.js';

/** `badge add --user` with one Staff key: the badge kept on the kiosk, or written into MOCO's field. */

const STAFF_KEY = 'staff-secret-0123456789abcdef';
const USERS: SimUser[] = [
  { id: 9, firstname: 'Sam', lastname: 'Staff', email: 'sam@example.com', apiKey: STAFF_KEY, staff: true },
  {
    id: 1001,
    firstname: 'Anna',
    lastname: 'Schmidt',
    email: 'anna@example.com',
    apiKey: 'anna-own-key-0123456789',
    customProperties: { Badge: '0BEE' },
  },
  { id: 1002, firstname: 'Ben', lastname: 'Meyer', email: 'ben@example.com', apiKey: 'ben-own-key-0123456' },
  { id: 1003, firstname: 'Old', lastname: 'Timer', apiKey: 'old-key-0123456789', active: false },
];

let sim: Simulator;
let dir: string;
let configPath: string;

beforeAll(() => ensureBuilt(), 120_000);

async function install(options: {
  source: 'local' | 'moco';
  identity?: string;
  users?: SimUser[];
  fields?: string[];
}) {
  sim = await startSimulator({
    port: 0,
    timeZone: 'Europe/Berlin',
    users: options.users ?? USERS,
    userFields: options.fields,
  });
  writeFileSync(
    configPath,
    [
      `moco: { baseUrl: "${sim.baseUrl}", identity: ${options.identity ?? 'impersonation'} }`,
      'timezone: Europe/Berlin',
      `dataDir: "${join(dir, 'data')}"`,
      `badges: { source: ${options.source} }`,
    ].join('\n'),
  );
  writeFileSync(join(dir, 'staff.key'), `${STAFF_KEY}\n`, { mode: 0o600 });
}

const badge = (...args: string[]) => cli(['badge', ...args, '--config', configPath]);

function stores() {
  return openStores({ config: { dataDir: join(dir, 'data'), configPath }, env: {}, clock: systemClock });
}

/** What the last sync read: Anna has this UID in MOCO. */
function annaHasInTheCopy(uid: string): void {
  const s = stores();
  try {
    s.mocoBadges.replaceAll([
      {
        id: 1001,
        name: 'Anna Schmidt',
        email: null,
        hasField: true,
        uids: [uid],
        invalid: [],
        updatedAt: '2026-01-01T00:00:00Z',
      },
    ]);
  } finally {
    s.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moco-badge-user-'));
  configPath = join(dir, 'config.yaml');
});
afterEach(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const SLOW = { timeout: 60_000 };

describe('badge add --user, badges on this kiosk', SLOW, () => {
  it('checks the user in MOCO by id or email and stores no key', async () => {
    await install({ source: 'local' });
    const byId = await badge('add', '04a1', '--user', '1001', '--name', 'Anna');
    expect(byId.stdout).toContain(
      'added badge 04A1 -> Anna Schmidt (MOCO user 1001), booked with the Staff key',
    );
    const byEmail = await badge('add', '0C0C', '--user', 'BEN@example.com');
    expect(byEmail.code, byEmail.stderr).toBe(0);
    const s = stores();
    try {
      expect(s.badges.list().map((b) => [b.uid, b.userId, b.userName, b.keyHint])).toEqual([
        ['04A1', 1001, 'Anna Schmidt', 'none'],
        ['0C0C', 1002, 'Ben Meyer', 'none'],
      ]);
      expect(s.db.prepare('SELECT count(*) AS n FROM badges WHERE api_key IS NOT NULL').get()).toEqual({
        n: 0,
      });
    } finally {
      s.close();
    }
  });

  it('refuses a deactivated or unknown user, a key, and --user without impersonation', async () => {
    await install({ source: 'local' });
    expect(await badge('add', '04A1', '--user', '1003')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('MOCO user 1003 (Old Timer) is deactivated'),
    });
    expect((await badge('add', '04A1', '--user', '4242')).stderr).toContain('there is no MOCO user 4242');
    expect((await badge('add', '04A1', '--user', 'nobody@example.com')).stderr).toContain(
      'no active MOCO user has the email nobody@example.com',
    );
    expect(await badge('add', '04A1', '--key', 'a-personal-key')).toMatchObject({ code: 2 });
    await sim.close();
    await install({ source: 'local', identity: 'user-keys' });
    expect(await badge('add', '04A1', '--user', '1001')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--user needs moco.identity: impersonation'),
    });
  });

  it('says where the Staff key goes when there is none, as a configuration error', async () => {
    await install({ source: 'local' });
    rmSync(join(dir, 'staff.key'));
    const result = await badge('add', '04A1', '--user', '1001');
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(
      `put the API key of a MOCO user with the Staff permission into ${join(dir, 'staff.key')}`,
    );
  });

  it('says what to change in MOCO when the key cannot read users', async () => {
    await install({ source: 'local', users: USERS.map((u) => (u.id === 9 ? { ...u, staff: false } : u)) });
    const result = await badge('add', '04A1', '--user', '1001');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "the Staff key may not read MOCO's users (403): give the key's MOCO user the Staff permission",
    );
  });
});

describe('badge add --user, badges kept in MOCO', SLOW, () => {
  it("writes the tapped UID into the user's field, keeping their other badges, and knows it at once", async () => {
    await install({ source: 'moco' });
    const s = stores();
    s.unknownScans.record(readUid('04A1'));
    s.close();
    const result = await badge('add', '--last-unknown', '--user', 'anna@example.com');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `added badge 04A1 to Anna Schmidt (MOCO user 1001) in MOCO's "Badge" field`,
    );
    const put = sim.requests().find((r) => r.method === 'PUT');
    expect(put).toMatchObject({
      path: '/api/v1/users/1001',
      body: { custom_properties: { Badge: '0BEE, 04A1' } },
    });
    expect(put?.impersonate).toBeUndefined();
    const list = await badge('list', '--json');
    expect(JSON.parse(list.stdout)).toMatchObject([
      { uid: '04A1', userId: 1001, conflict: false },
      { uid: '0BEE', userId: 1001, conflict: false },
    ]);
  });

  it('refuses a UID another user has in MOCO', async () => {
    await install({ source: 'moco' });
    annaHasInTheCopy('0BEE');
    const result = await badge('add', '0bee', '--user', '1002');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'badge 0BEE belongs to Anna Schmidt (user 1001) in MOCO: remove it from their "Badge" field first',
    );
    expect(sim.requests().some((r) => r.method === 'PUT')).toBe(false);
  });

  it('says what to enter in MOCO when the key may not change users', async () => {
    await install({
      source: 'moco',
      users: USERS.map((u) => (u.id === 9 ? { ...u, editsUsers: false } : u)),
    });
    const result = await badge('add', '04A1', '--user', '1001');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'the Staff key may not change users in MOCO (403). Instead, in MOCO, open the user Anna Schmidt (id 1001) and set the field "Badge" to: 0BEE, 04A1',
    );
  });

  it('notices that MOCO dropped the value of a field it does not know', async () => {
    await install({ source: 'moco', fields: ['Starting Month'] });
    const result = await badge('add', '04A1', '--user', '1002');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `MOCO did not keep the value: is "Badge" defined as a custom field for users in MOCO's settings?`,
    );
    expect(result.stderr).toContain('set the field "Badge" to: 04A1');
  });

  it('sends the admin to MOCO to remove or rename a badge', async () => {
    await install({ source: 'moco' });
    annaHasInTheCopy('0BEE');
    const result = await badge('remove', '0BEE');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`change badge 0BEE in Anna Schmidt's (user 1001) "Badge" field in MOCO`);
  });
});
