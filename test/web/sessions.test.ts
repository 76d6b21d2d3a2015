import { describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/web/sessions.js';
import { fakeClock } from './helpers.js';

describe('SessionStore', () => {
  it('finds a session by id until it expires', () => {
    const clock = fakeClock();
    const sessions = new SessionStore(clock, 1000);
    const session = sessions.open('pw1');
    expect(sessions.get(session.id, 'pw1')).toBe(session);
    clock.advance(999);
    expect(sessions.get(session.id, 'pw1')).toBe(session);
    clock.advance(1);
    expect(sessions.get(session.id, 'pw1')).toBeNull();
  });

  it('ends a session when the password it was opened with is replaced or removed', () => {
    const sessions = new SessionStore(fakeClock(), 60_000);
    const session = sessions.open('pw1');
    expect(sessions.get(session.id, 'pw2')).toBeNull();
    expect(sessions.get(session.id, 'pw1')).toBeNull();
    expect(sessions.get(sessions.open('pw1').id, null)).toBeNull();
  });

  it('hands out unguessable ids and forgets the oldest login beyond fifty', () => {
    const sessions = new SessionStore(fakeClock(), 60_000);
    const first = sessions.open('pw');
    const ids = new Set([first.id]);
    for (let i = 0; i < 50; i += 1) ids.add(sessions.open('pw').id);
    expect(ids.size).toBe(51);
    expect(first.id).toMatch(/^[\w-]{43}$/);
    expect(sessions.get(first.id, 'pw')).toBeNull();
  });
});
