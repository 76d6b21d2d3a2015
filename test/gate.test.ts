import { describe, expect, it } from 'vitest';
import { Gate } from '../src/gate.js';

class StepClock {
  constructor(public ms = 1_000_000) {}
  now(): number {
    return this.ms;
  }
}

const setup = (debounceMs = 1500, repeatGuardMs = 60_000) => {
  const clock = new StepClock();
  return { clock, gate: new Gate({ debounceMs, repeatGuardMs }, clock) };
};

/**
 * What the pipeline makes of a read, as tap.ts asks the gate: debounced (silent), a repeat of the
 * person's last tap, or a tap that goes on. Here the person is the badge itself (`badge:<uid>`).
 */
function check(gate: Gate, uid: string, lane = `badge:${uid}`): 'debounced' | 'repeat' | 'pass' {
  if (gate.debounced(uid)) return 'debounced';
  return gate.repeated(lane) ? 'repeat' : 'pass';
}

/** Reads `uid` like the reader does while the card lies on it: one frame every `everyMs`. */
function hold(gate: Gate, clock: StepClock, uid: string, forMs: number, everyMs: number): string[] {
  const verdicts: string[] = [];
  for (let t = 0; t <= forMs; t += everyMs) {
    verdicts.push(check(gate, uid));
    clock.ms += everyMs;
  }
  return verdicts;
}

describe('Gate', () => {
  it('passes a first read and debounces identical reads closer than debounceMs', () => {
    const { gate, clock } = setup();
    expect(check(gate, 'AA')).toBe('pass');
    clock.ms += 1499;
    expect(check(gate, 'AA')).toBe('debounced');
  });

  it('treats a card held for 10 s with a frame every 200 ms as one read (the debounce slides)', () => {
    const { gate, clock } = setup(1500, 0);
    const verdicts = hold(gate, clock, 'AA', 10_000, 200);
    expect(verdicts).toHaveLength(51);
    expect(verdicts.filter((v) => v === 'pass')).toHaveLength(1);
    expect(verdicts[0]).toBe('pass');
  });

  it('answers repeat for a tap within the repeat guard of the last accepted tap, pass after it', () => {
    const { gate, clock } = setup(1500, 60_000);
    expect(check(gate, 'AA')).toBe('pass');
    gate.accepted('badge:AA', clock.now());
    clock.ms += 2_000;
    expect(check(gate, 'AA')).toBe('repeat');
    clock.ms += 57_999;
    expect(check(gate, 'AA')).toBe('repeat');
    // The guard runs from the accepted tap, not from the ignored repeats.
    clock.ms += 2_001;
    expect(check(gate, 'AA')).toBe('pass');
  });

  it('starts no repeat guard for a read that was not accepted (unknown badge, local error)', () => {
    const { gate, clock } = setup(1500, 60_000);
    expect(check(gate, 'AA')).toBe('pass');
    clock.ms += 2_000;
    expect(check(gate, 'AA')).toBe('pass');
  });

  it('keeps badges apart: one badge held or guarded does not hold back another', () => {
    const { gate, clock } = setup(1500, 60_000);
    expect(check(gate, 'AA')).toBe('pass');
    gate.accepted('badge:AA', clock.now());
    clock.ms += 100;
    expect(check(gate, 'BB')).toBe('pass');
    clock.ms += 100;
    expect(check(gate, 'AA')).toBe('debounced');
    expect(check(gate, 'CC')).toBe('pass');
    clock.ms += 5_000;
    expect(check(gate, 'AA')).toBe('repeat');
    expect(check(gate, 'BB')).toBe('pass');
  });

  it('guards the person, not the badge: a card and a key fob of one user are one tap', () => {
    const { gate, clock } = setup(1500, 60_000);
    expect(check(gate, 'CARD', 'user:7')).toBe('pass');
    gate.accepted('user:7', clock.now());
    clock.ms += 3_000;
    expect(check(gate, 'FOB', 'user:7')).toBe('repeat');
    expect(check(gate, 'OTHER', 'user:8')).toBe('pass');
  });

  it('restores the guard from a tap journaled before a restart, keeping the later of two times', () => {
    const { gate, clock } = setup(1500, 60_000);
    gate.accepted('badge:AA', clock.now() - 30_000);
    gate.accepted('badge:AA', clock.now() - 50_000);
    expect(check(gate, 'AA')).toBe('repeat');
    clock.ms += 30_000;
    expect(check(gate, 'AA')).toBe('pass');
  });

  it('forgets badges once their guard is over, so memory stays bounded', () => {
    const { gate, clock } = setup(1500, 60_000);
    for (let i = 0; i < 10_000; i++) {
      const uid = `U${i}`;
      check(gate, uid);
      gate.accepted(`badge:${uid}`, clock.now());
      clock.ms += 1_000;
    }
    const sizes = gate as unknown as { lastRead: Map<string, number>; lastAccepted: Map<string, number> };
    // One card a second over a 60 s guard: never more than the last minute's cards.
    expect(sizes.lastRead.size).toBeLessThanOrEqual(61);
    expect(sizes.lastAccepted.size).toBeLessThanOrEqual(61);
    // And the forgotten ones pass again.
    expect(check(gate, 'U0')).toBe('pass');
  });

  it('still forgets the others while one card is read again and again', () => {
    const { gate, clock } = setup(1500, 60_000);
    for (let i = 0; i < 10_000; i++) {
      // A card left near the reader, read every second, first of all cards seen.
      check(gate, 'HELD');
      gate.accepted('badge:HELD', clock.now());
      check(gate, `U${i}`);
      gate.accepted(`badge:U${i}`, clock.now());
      clock.ms += 1_000;
    }
    const sizes = gate as unknown as { lastRead: Map<string, number>; lastAccepted: Map<string, number> };
    expect(sizes.lastRead.size).toBeLessThanOrEqual(62);
    expect(sizes.lastAccepted.size).toBeLessThanOrEqual(62);
    expect(check(gate, 'HELD')).toBe('debounced');
  });
});
