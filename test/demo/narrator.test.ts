import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Connectivity } from '../../src/connectivity.js';
import { DemoNarrator, wrapLine } from '../../src/demo/narrator.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function narrated(verbose = false) {
  let text = '';
  const out = { write: (chunk: string) => (text += chunk) } as unknown as NodeJS.WritableStream;
  const kiosk = { connectivity: 'online' as Connectivity, waiting: 0 };
  const narrator = new DemoNarrator(out, { verbose, columns: () => undefined });
  narrator.attach({ connectivity: () => kiosk.connectivity, waiting: () => kiosk.waiting });
  /** A log line, as the courier writes it in the middle of what it does. */
  const log = (msg: string, fields: Record<string, unknown> = {}) => {
    const line = narrator.render({ level: 30, msg, ...fields });
    if (line !== null) text += line;
  };
  /** The courier's turn is over: what it recorded is in the journal. */
  const tick = () => vi.runAllTimers();
  return { kiosk, log, tick, text: () => text, narrator };
}

describe('the demo narrator', () => {
  it('says once per change how MOCO is and how many taps wait, instead of a line per retry', () => {
    const { kiosk, log, tick, text } = narrated();
    // A tap that finds MOCO gone: its attempt fails, MOCO is marked unreachable, the person hears
    // 'queued', all in one turn.
    kiosk.waiting = 1;
    log('delivery postponed', { tapId: 2, reason: 'unreachable: ... ECONNREFUSED' });
    kiosk.connectivity = 'offline';
    log('MOCO unreachable', { connectivity: 'offline' });
    log('scan', { uid: 'B', outcome: 'queued' });
    tick();
    kiosk.waiting = 2;
    log('scan', { uid: 'C', outcome: 'queued' });
    tick();
    for (let retry = 0; retry < 3; retry += 1) {
      log('delivery postponed', { tapId: 2 });
      tick();
    }
    // Back: the first delivery is logged, recorded, and MOCO marked reachable in one turn.
    log('delivered', { tapId: 2, outcome: 'clocked_in' });
    kiosk.waiting = 1;
    kiosk.connectivity = 'online';
    log('MOCO reachable', { connectivity: 'online' });
    tick();
    log('delivered', { tapId: 3, outcome: 'clocked_in' });
    kiosk.waiting = 0;
    tick();

    expect(text().split('\n')).toEqual([
      '    · scan uid=B outcome=queued',
      '  MOCO unreachable, 1 tap waiting',
      '    · scan uid=C outcome=queued',
      '  MOCO unreachable, 2 taps waiting',
      '    · delivered tapId=2 outcome=clocked_in',
      '  MOCO reachable, 1 tap waiting',
      '    · delivered tapId=3 outcome=clocked_in',
      '  MOCO reachable, every tap delivered',
      '',
    ]);
  });

  it('shows the details too with --verbose', () => {
    const { log, tick, text } = narrated(true);
    log('delivery postponed', { tapId: 2 });
    tick();
    expect(text()).toBe('    · delivery postponed tapId=2\n');
  });

  it('reads nothing from a kiosk that is stopping', () => {
    const { kiosk, log, tick, text, narrator } = narrated();
    narrator.detach();
    kiosk.waiting = 5;
    log('delivered', { tapId: 1 });
    tick();
    expect(text()).toBe('    · delivered tapId=1\n');
  });
});

describe('wrapLine', () => {
  it('breaks a line longer than the terminal at spaces, the rest indented', () => {
    const line = '    · scan uid=0A00B1C201 tapId=1 userId=1001 userName=Anna Schmidt outcome=clocked_in\n';
    expect(wrapLine(line, 80)).toBe(
      '    · scan uid=0A00B1C201 tapId=1 userId=1001 userName=Anna Schmidt\n        outcome=clocked_in\n',
    );
    expect(wrapLine(line, undefined)).toBe(line);
    expect(wrapLine('short\n', 80)).toBe('short\n');
  });
});
