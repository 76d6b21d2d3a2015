import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { badgesReport } from '../../src/directory/report.js';
import type { DirectoryUser, MocoSyncState } from '../../src/store/moco-badges.js';
import { openStores, type Stores } from '../../src/store/open.js';

const BASE_URL = 'https://acme.mocoapp.com/api/v1';
const moco = parseConfig('moco: { domain: acme, identity: impersonation }\nbadges: { source: moco }\n');

let dir: string;
let stores: Stores;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'moco-report-'));
  stores = openStores({
    config: { dataDir: dir, configPath: join(dir, 'config.yaml') },
    env: {},
    clock: { now: () => 0 },
  });
});
afterEach(() => {
  stores.close();
  rmSync(dir, { recursive: true, force: true });
});

function person(id: number, name: string, uids: string[], extra: Partial<DirectoryUser> = {}): DirectoryUser {
  return {
    id,
    name,
    email: null,
    hasField: true,
    uids,
    invalid: [],
    updatedAt: '2026-03-02T08:00:00Z',
    ...extra,
  };
}

const synced: MocoSyncState = {
  field: 'Badge',
  lastFullAt: Date.parse('2026-03-02T08:00:00Z'),
  lastSuccessAt: Date.parse('2026-03-02T08:05:00Z'),
  lastAttemptAt: Date.parse('2026-03-02T08:05:00Z'),
  highWater: '2026-03-02T08:00:00Z',
  fullCount: 3,
  similarFields: [],
  error: null,
  errorCode: null,
};

describe('badgesReport, badges kept in MOCO', () => {
  it('counts the badges that book, and names both users of a conflict', () => {
    stores.mocoBadges.replaceAll([
      person(1, 'Anna Schmidt', ['04A1', '0C1A']),
      person(2, 'Ben Meyer', ['0C1A']),
      person(3, 'Clara Wagner', [], { hasField: false }),
    ]);
    stores.mocoBadges.saveState(synced);
    const report = badgesReport(moco, stores, BASE_URL);
    expect(report).toMatchObject({
      source: 'moco',
      count: 1,
      moco: { users: 3, usersWithField: 2, lastSyncAt: '2026-03-02T08:05:00.000Z', syncError: null },
    });
    expect(report.problems).toEqual([
      {
        meaning:
          'badge 0C1A is on Anna Schmidt (user 1) and Ben Meyer (user 2) in MOCO, so its taps count as unknown',
        action: 'remove it from all but one "Badge" field in MOCO',
      },
    ]);
  });

  it('says when no user has the field, and names a field spelt differently', () => {
    stores.mocoBadges.replaceAll([person(1, 'Anna Schmidt', [], { hasField: false })]);
    stores.mocoBadges.saveState({ ...synced, similarFields: ['badge'] });
    const [problem] = badgesReport(moco, stores, BASE_URL).problems;
    expect(problem?.meaning).toBe('no user has a "Badge" field');
    expect(problem?.action).toMatch(
      /define it for users in MOCO's settings.*users have a field named "badge"/,
    );
  });

  it('explains a sync the Staff key may not make, and a copy never read', () => {
    expect(badgesReport(moco, stores, BASE_URL).problems[0]?.meaning).toBe(
      'the kiosk has not read the badges from MOCO yet',
    );
    stores.mocoBadges.saveState({
      ...synced,
      error: '403 forbidden: MOCO GET /api/v1/users answered 403',
      errorCode: 'forbidden',
    });
    expect(badgesReport(moco, stores, BASE_URL).problems).toEqual([
      {
        meaning: 'the last sync failed, the kiosk goes on with its copy',
        action: expect.stringContaining("give the key's MOCO user the Staff permission"),
      },
    ]);
  });

  it('names entries of the field that are no UID', () => {
    stores.mocoBadges.replaceAll([person(1, 'Anna Schmidt', ['04A1'], { invalid: ['Karte'] })]);
    stores.mocoBadges.saveState(synced);
    expect(badgesReport(moco, stores, BASE_URL).problems[0]?.meaning).toBe(
      `Anna Schmidt's (user 1) "Badge" field holds "Karte", which is no badge UID`,
    );
  });
});

describe('badgesReport, badges on this kiosk', () => {
  it('names personal keys left behind under impersonation', () => {
    const local = parseConfig('moco: { domain: acme, identity: impersonation }\n');
    stores.badges.add({ uid: '04A1', userId: 1, apiKey: 'anna-own-key-0123' });
    stores.badges.add({ uid: '0BEE', userId: 2, apiKey: null });
    const report = badgesReport(local, stores, BASE_URL);
    expect(report).toMatchObject({ source: 'local', identity: 'impersonation', count: 2, moco: null });
    expect(report.problems[0]?.meaning).toBe(
      '1 badge still holds a personal API key, which the Staff key makes unneeded',
    );
  });

  it('counts badges without decrypting a key, so a key this master key cannot read does not stop it', () => {
    const local = parseConfig('moco: { domain: acme }\n');
    stores.badges.add({ uid: '04A1', userId: 1, apiKey: 'anna-own-key-0123' });
    stores.db.prepare("UPDATE badges SET api_key = 'v1:AAAA:AAAA:AAAA'").run();
    expect(badgesReport(local, stores, BASE_URL)).toMatchObject({ count: 1, problems: [] });
  });

  it('names badges without a key when every badge needs its own', () => {
    const local = parseConfig('moco: { domain: acme }\n');
    stores.badges.add({ uid: '0BEE', userId: 2, apiKey: null });
    expect(badgesReport(local, stores, BASE_URL).problems[0]?.meaning).toMatch(
      /^1 badge has no API key of its own/,
    );
  });
});
