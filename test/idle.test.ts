import { describe, expect, it } from 'vitest';
import type { Connectivity } from '../src/connectivity.js';
import { type IdleFacts, KioskIdle } from '../src/idle.js';
import type { IdleState } from '../src/outcome.js';
import type { ReaderState } from '../src/readers/reader.js';
import type { OpenPresence } from '../src/store/journal.js';

/** The facts as plain values a test sets, and what the kiosk showed. */
function kiosk() {
  const state = {
    reader: 'connected' as ReaderState,
    storageFailing: false,
    connectivity: 'online' as Connectivity,
    failed: false,
    open: [] as OpenPresence[],
    unreadable: false,
  };
  const facts: IdleFacts = {
    reader: () => state.reader,
    storageFailing: () => state.storageFailing,
    connectivity: () => state.connectivity,
    journal: {
      hasFailed: () => {
        if (state.unreadable) throw new Error('SQLITE_BUSY');
        return state.failed;
      },
      openBefore: (date) => state.open.filter((o) => o.date < date),
    },
    config: { scan: { nightShift: 'off' } },
    today: () => '2026-03-02',
  };
  const shown: IdleState[] = [];
  return { state, idle: new KioskIdle(facts, (s) => shown.push(s)), shown };
}

const OPEN_YESTERDAY: OpenPresence = {
  presenceId: 1,
  lane: 'user:1',
  uid: 'A1',
  userName: null,
  date: '2026-03-01',
  from: '08:00',
  checkedAt: 0,
};

describe('KioskIdle', () => {
  it('shows online, and offline while MOCO is unreachable', () => {
    const { state, idle } = kiosk();
    expect(idle.current()).toBe('online');
    state.connectivity = 'offline';
    expect(idle.current()).toBe('offline');
  });

  it.each([
    ['the reader is disconnected', (s: ReturnType<typeof kiosk>['state']) => (s.reader = 'disconnected')],
    ['database writes fail', (s: ReturnType<typeof kiosk>['state']) => (s.storageFailing = true)],
    ['a tap failed', (s: ReturnType<typeof kiosk>['state']) => (s.failed = true)],
    [
      'a presence is left open since yesterday',
      (s: ReturnType<typeof kiosk>['state']) => s.open.push(OPEN_YESTERDAY),
    ],
  ])('shows attention over offline when %s', (_, change) => {
    const { state, idle } = kiosk();
    state.connectivity = 'offline';
    change(state);
    expect(idle.current()).toBe('attention');
  });

  it('does not call for an admin while the journal cannot be read', () => {
    const { state, idle } = kiosk();
    state.unreadable = true;
    expect(idle.current()).toBe('online');
  });

  it('hands a state to the signals only when it changed', () => {
    const { state, idle, shown } = kiosk();
    idle.refresh();
    idle.refresh();
    state.connectivity = 'offline';
    idle.refresh();
    idle.refresh();
    state.connectivity = 'online';
    idle.refresh();
    expect(shown).toEqual(['online', 'offline', 'online']);
  });
});
