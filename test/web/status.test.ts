import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Tap } from '../../src/store/journal.js';
import { readUid } from '../readers/uids.js';
import { type Agent, textOf, type WebFixture, webFixture } from './helpers.js';

let web: WebFixture;
let admin: Agent;
beforeEach(async () => {
  web = await webFixture();
  admin = web.agent();
  await admin.login();
});
afterEach(() => web.close());

const REVOKED =
  '401 unauthorized: MOCO POST /api/v1/users/presences/touch answered 401 (unauthorized): {"message":"Unauthorized"}';

function failedTap(uid = '04A1B2', userName: string | null = 'Anna Schmidt'): Tap {
  const tap = web.journalTap(uid, { userName });
  web.stores.journal.markFailed(tap.id, { outcome: 'rejected', reason: REVOKED, uncertain: false });
  return tap;
}

describe('the status page', () => {
  it("shows a failed tap's reason in plain words, with what to do, and the raw reason only as detail", async () => {
    const tap = failedTap();
    const page = await admin.get('/status');
    const text = textOf(page.body);
    expect(text).toContain('Failed taps: need you');
    expect(text).toContain(
      "Anna Schmidt tapped 09:30 · tap 1 · 1 attempt MOCO rejects the key of this badge (401: revoked or mistyped). enrol the badge again with the person's own new key, then retry the tap.",
    );
    expect(page.body).toMatch(/<details[^>]*><summary>Detail<\/summary>401 unauthorized: MOCO POST/);
    expect(page.body).toContain(`action="/taps/${tap.id}/retry"`);
    expect(text).toContain('0 waiting, 1 failed');
  });

  it('lists the last taps with who, when and outcome, and unknown badges among them', async () => {
    web.stores.badges.add({ uid: '04A1B2', label: 'Anna', apiKey: 'demo-key-anna' });
    const tap = web.journalTap('04A1B2', { userName: 'Anna Schmidt' });
    web.stores.journal.markDelivered(tap.id, 'clocked_in', web.clock.now());
    web.clock.advance(60_000);
    web.stores.unknownScans.record(readUid('0A0B0C0D'));
    const text = textOf((await admin.get('/status')).body);
    expect(text).toContain('Last taps 09:31 unknown badge 0A0B0C0D was not enrolled 09:30 Anna clocked in');
  });

  it('says whether the daemon runs, MOCO is reachable since when, and how the clocks compare', async () => {
    web.daemonRunning({ connectivity: 'offline', connectivitySince: web.clock.now() - 5 * 60_000 });
    web.moco.clockWatch.observe(new Date(web.clock.now() + 45_000).toUTCString());
    const text = textOf((await admin.get('/status')).body);
    expect(text).toContain('Daemon running since 09:29');
    expect(text).toContain('MOCO unreachable since 09:25; taps are queued and sent when it is back');
    expect(text).toContain('Reader connected');
    expect(text).toContain('Clock kiosk 09:30, synchronised; the kiosk is 45 s behind MOCO');
  });

  it('says loudly when the daemon does not run', async () => {
    expect(textOf((await admin.get('/status')).body)).toContain(
      'Daemon NOT RUNNING taps at the door are not read',
    );
  });

  it('refreshes itself in place with the script, and works without it', async () => {
    const page = await admin.get('/status');
    expect(page.body).toContain('<main data-live="5">');
    expect(page.body).not.toMatch(/<script>(?!<\/script>)/);
  });
});

describe('retry', () => {
  it('puts a failed tap back in the queue and says so', async () => {
    const tap = failedTap();
    const response = await admin.submit('/status', `/taps/${tap.id}/retry`);
    expect(response.headers.location).toBe('/status');
    expect(web.stores.journal.get(tap.id)?.state).toBe('pending');
    expect(textOf((await admin.get('/status')).body)).toContain(
      `Tap ${tap.id} is back in the queue: the daemon sends it within a few seconds.`,
    );
    expect(web.log.lines).toContainEqual(
      expect.objectContaining({ msg: 'tap retried', tapId: tap.id, by: 'web' }),
    );
  });

  it('retries every failed tap at once', async () => {
    const taps = [failedTap('04A1B2'), failedTap('04A1B3')];
    await admin.submit('/status', '/taps/retry-failed');
    expect(taps.map((t) => web.stores.journal.get(t.id)?.state)).toEqual(['pending', 'pending']);
  });

  it('says so when the tap is not failed any more', async () => {
    const tap = failedTap();
    web.stores.journal.retry([tap.id]);
    await admin.submit('/status', `/taps/${tap.id}/retry`);
    expect(textOf((await admin.get('/status')).body)).toContain(`Tap ${tap.id} is not a failed tap any more`);
  });

  it('is refused without the CSRF token', async () => {
    const tap = failedTap();
    expect((await admin.post(`/taps/${tap.id}/retry`, {})).statusCode).toBe(403);
    expect(web.stores.journal.get(tap.id)?.state).toBe('failed');
  });
});

describe('drop', () => {
  it('asks for confirmation first, and keeps the tap when not confirmed', async () => {
    const tap = failedTap();
    const confirm = await admin.get(`/taps/${tap.id}/drop`);
    expect(textOf(confirm.body)).toContain('Dropping removes the tap for good: it will never reach MOCO.');
    const unconfirmed = await admin.submit(`/taps/${tap.id}/drop`, `/taps/${tap.id}/drop`);
    expect(unconfirmed.headers.location).toBe(`/taps/${tap.id}/drop`);
    expect(web.stores.journal.get(tap.id)).not.toBeNull();
  });

  it('drops the tap when confirmed and logs who dropped what', async () => {
    const tap = failedTap();
    await admin.submit(`/taps/${tap.id}/drop`, `/taps/${tap.id}/drop`, { confirm: 'yes' });
    expect(web.stores.journal.get(tap.id)).toBeNull();
    expect(web.log.lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: 'tap dropped',
        tapId: tap.id,
        uid: '04A1B2',
        lastError: REVOKED,
        droppedBy: 'web (127.0.0.1)',
      }),
    );
    expect(textOf((await admin.get('/status')).body)).toContain(`Dropped tap ${tap.id} (2026-11-18 09:30).`);
  });

  it('warns that a tap whose touch got no answer may be booked', async () => {
    const tap = failedTap();
    web.stores.journal.markUncertain(tap.id, {
      intent: { op: 'open', date: tap.localDate, from: tap.localTime },
      at: 0,
    });
    expect(textOf((await admin.get(`/taps/${tap.id}/drop`)).body)).toContain('MOCO may have booked it');
  });

  it('refuses to drop a delivered tap', async () => {
    const tap = web.journalTap('04A1B2');
    web.stores.journal.markDelivered(tap.id, 'clocked_in', web.clock.now());
    const response = await admin.get(`/taps/${tap.id}/drop`);
    expect(response.headers.location).toBe('/status');
    expect(web.stores.journal.get(tap.id)?.state).toBe('delivered');
  });
});
