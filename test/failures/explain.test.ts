import { describe, expect, it } from 'vitest';
import {
  explainClockOffset,
  explainKeyRefusal,
  explainMocoTrouble,
  explainTapFailure,
  formatSpan,
} from '../../src/failures/explain.js';

const context = { baseUrl: 'https://acme.mocoapp.com/api/v1' };

describe('explainTapFailure', () => {
  it('turns a 401 stored by the courier into a revoked key and the way to fix it', () => {
    const failure = explainTapFailure(
      '401 unauthorized: MOCO POST /api/v1/users/presences/touch answered 401 (unauthorized): {"message":"bad key"}',
      context,
    );
    expect(failure).toMatchObject({
      kind: 'unauthorized',
      status: 401,
      meaning: 'MOCO rejects the key of this badge (401: revoked or mistyped)',
      action: "enrol the badge again with the person's own new key, then retry the tap",
    });
    expect(failure.detail).toContain('answered 401');
  });

  it('explains an overlap (422) and a conflicting touch (423) as a day to correct', () => {
    const overlap = explainTapFailure(
      '422 invalid: MOCO POST ... answered 422 (invalid): {"from":["range overlaps"]}',
      context,
    );
    const locked = explainTapFailure('423 locked: MOCO POST ... answered 423 (locked)', context);
    expect(overlap.meaning).toContain('overlaps a presence');
    expect(locked.meaning).toContain('conflicts with a presence');
    for (const failure of [overlap, locked])
      expect(failure.action).toContain('correct them, then retry the tap');
  });

  it("uses doctor's words for MOCO as a whole, and says the kiosk retries on its own", () => {
    const failure = explainTapFailure(
      'unreachable: MOCO POST /api/v1/users/presences/touch: not sent: ECONNREFUSED',
      context,
    );
    expect(failure).toMatchObject({ kind: 'unreachable', status: null });
    expect(failure.meaning).toBe(explainMocoTrouble('unreachable', context)?.meaning);
    expect(failure.action).toMatch(
      /^nothing at first: the kiosk retries the tap by itself; if this lasts, check the network/,
    );
  });

  it('points a 404 at the address first and at a deleted presence second', () => {
    const failure = explainTapFailure(
      '404 not_found: MOCO PUT /api/v1/users/presences/7 answered 404 (not_found)',
      context,
    );
    expect(failure.meaning).toBe(
      'https://acme.mocoapp.com/api/v1 does not answer like the MOCO API, or the presence was deleted in MOCO meanwhile (404)',
    );
    expect(failure.action).toContain('check moco.domain');
  });

  it('recognises the local failures the courier writes as sentences', () => {
    expect(explainTapFailure('badge was removed before delivery', context).kind).toBe('badge_removed');
    expect(explainTapFailure("cannot read the badge's key: unsupported state", context).kind).toBe(
      'key_unreadable',
    );
    expect(explainTapFailure('waiting for the system clock to be synchronised', context).kind).toBe(
      'clock_unsynchronised',
    );
    expect(explainTapFailure('local error: SQLITE_FULL', context).kind).toBe('local');
  });

  it('explains a tap MOCO keeps refusing with 5xx, and a late tap that conflicts with the day', () => {
    const refused = explainTapFailure(
      'refused with server errors: MOCO answered 5 requests of this tap with a server error while answering others; the last: 500 server: ...',
      context,
    );
    expect(refused.kind).toBe('server_refused');
    expect(refused.action).toContain('correct them');
    const conflict = explainTapFailure(
      'locked: a presence open since 09:00 on 2026-03-02 started after this tap at 08:00',
      context,
    );
    expect(conflict.kind).toBe('locked');
  });

  it('shows a reason it does not know as it is, and a missing one as missing', () => {
    expect(explainTapFailure('teapot: 418', context)).toMatchObject({
      kind: 'unknown',
      detail: 'teapot: 418',
    });
    expect(explainTapFailure(null, context)).toMatchObject({
      kind: 'unknown',
      detail: 'no reason was recorded',
    });
  });
});

describe('explainMocoTrouble', () => {
  it('is null for codes that are about one key or one request, not MOCO as a whole', () => {
    for (const code of ['unauthorized', 'forbidden', 'invalid', 'locked'] as const) {
      expect(explainMocoTrouble(code, context)).toBeNull();
    }
  });
});

describe('explainClockOffset', () => {
  it("says how far the kiosk's clock is off MOCO's, and how to fix it, beyond a minute", () => {
    expect(explainClockOffset((3 * 60 + 2) * 60_000)).toEqual({
      fine: false,
      meaning: "kiosk clock 3 h 2 min behind MOCO's",
      action: 'enable time sync (timedatectl set-ntp true)',
    });
    expect(explainClockOffset(-45 * 60_000).meaning).toBe("kiosk clock 45 min ahead of MOCO's");
    expect(explainClockOffset(2 * 86_400_000 + 3_600_000).meaning).toBe(
      "kiosk clock 2 days 1 h behind MOCO's",
    );
  });

  it('is fine within a minute either way', () => {
    for (const offset of [0, 59_999, -60_000]) {
      expect(explainClockOffset(offset)).toEqual({
        fine: true,
        meaning: "kiosk clock agrees with MOCO's (within a minute)",
        action: null,
      });
    }
  });
});

describe('formatSpan', () => {
  it.each([
    [61_000, '1 min'],
    [3_600_000, '1 h'],
    [86_400_000, '1 day'],
    [90_000_000, '1 day 1 h'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatSpan(ms)).toBe(text);
  });
});

describe('explainKeyRefusal', () => {
  it('sends a refused key back to MOCO for the right one, naming the address', () => {
    expect(explainKeyRefusal('unauthorized', context)).toEqual({
      meaning: 'MOCO refused the key (401) at https://acme.mocoapp.com/api/v1',
      action:
        "copy the person's own API key from MOCO (profile > Integrations), and check moco.domain: " +
        "another MOCO account's key is refused too",
    });
    expect(explainKeyRefusal('forbidden', context).meaning).toContain('(403)');
  });
});
