import { describe, expect, it } from 'vitest';
import { impersonationCredentials, userKeyCredentials } from '../../src/identity/credentials.js';

const badges = new Map<string, { userId: number | null; apiKey: string | null }>([
  ['04A1', { userId: 1001, apiKey: 'anna-own-key' }],
  ['0BEE', { userId: 1002, apiKey: null }],
  ['0C1A', { userId: null, apiKey: 'unverified-key' }],
]);
const store = { find: (uid: string) => badges.get(uid) ?? null };

describe('userKeyCredentials', () => {
  const credentialsFor = userKeyCredentials(store);

  it("sends the badge's own key, as the badge stands at delivery", () => {
    expect(credentialsFor({ uid: '04A1', userId: 1001 })).toEqual({ apiKey: 'anna-own-key' });
    expect(credentialsFor({ uid: '0FF0', userId: 1001 })).toBeNull();
  });

  it('says why a badge enrolled for the Staff key cannot be sent with a key of its own', () => {
    expect(() => credentialsFor({ uid: '0BEE', userId: 1002 })).toThrow(/no API key of its own/);
  });
});

describe('impersonationCredentials', () => {
  const credentialsFor = impersonationCredentials('the-staff-key', store);

  it("acts for the tap's user with the Staff key, even once the badge moved or went", () => {
    expect(credentialsFor({ uid: '04A1', userId: 1001 })).toEqual({
      apiKey: 'the-staff-key',
      impersonateUserId: 1001,
    });
    expect(credentialsFor({ uid: '0FF0', userId: 1003 })).toEqual({
      apiKey: 'the-staff-key',
      impersonateUserId: 1003,
    });
  });

  it("takes the badge's user for a tap journaled without one, and nothing when neither knows", () => {
    expect(credentialsFor({ uid: '0BEE', userId: null })?.impersonateUserId).toBe(1002);
    expect(credentialsFor({ uid: '0C1A', userId: null })).toBeNull();
  });
});
