import { describe, expect, it } from 'vitest';
import { OUTCOMES, type Outcome } from '../../src/outcome.js';
import {
  beepsOf,
  defaultPatterns,
  LONG_BEEP_MS,
  ledsOf,
  patternDuration,
  resolvePatterns,
  selfTestPattern,
} from '../../src/signals/patterns.js';
import type { Pattern } from '../../src/signals/types.js';

const sound = (pattern: Pattern) => beepsOf(pattern).map((ms) => (ms >= LONG_BEEP_MS ? 'long' : 'short'));

/** What the person at the door perceives: colours, beeps, and how the light goes on and off. */
function summary(pattern: Pattern) {
  return { leds: ledsOf(pattern), beeps: sound(pattern), ms: patternDuration(pattern) };
}

describe('default patterns with a yellow LED', () => {
  const patterns = defaultPatterns(true);

  it('follow the specification', () => {
    expect(Object.fromEntries(OUTCOMES.map((o) => [o, summary(patterns[o])]))).toEqual({
      clocked_in: { leds: ['green'], beeps: ['short'], ms: 1000 },
      clocked_out: { leds: ['green'], beeps: ['short', 'short'], ms: 1000 },
      queued: { leds: ['yellow'], beeps: ['short', 'long'], ms: 1500 },
      repeat_ignored: { leds: ['green'], beeps: [], ms: 200 },
      locked: { leds: ['red', 'yellow'], beeps: ['long'], ms: 2000 },
      unknown_badge: { leds: ['red'], beeps: ['short', 'short', 'short'], ms: 1500 },
      rejected: { leds: ['red'], beeps: ['long'], ms: 2000 },
      error: { leds: ['red'], beeps: ['long'], ms: 2000 },
    });
  });

  it('keep the LED lit through the gaps between beeps', () => {
    for (const outcome of OUTCOMES) {
      const steps = patterns[outcome];
      const first = steps[0]?.led;
      expect(
        steps.every((step) => JSON.stringify(step.led) === JSON.stringify(first)),
        outcome,
      ).toBe(true);
    }
  });

  it('use beeps of about 100 ms and 600 ms', () => {
    const lengths = new Set(OUTCOMES.flatMap((o) => beepsOf(patterns[o])));
    expect([...lengths].sort((a, b) => a - b)).toEqual([100, 600]);
  });

  it('differ between any two outcomes in colours or beeps, except rejected and error', () => {
    for (const a of OUTCOMES) {
      for (const b of OUTCOMES) {
        if (a >= b) continue;
        const same =
          JSON.stringify([ledsOf(patterns[a]), sound(patterns[a])]) ===
          JSON.stringify([ledsOf(patterns[b]), sound(patterns[b])]);
        expect(same, `${a} vs ${b}`).toBe(a === 'error' && b === 'rejected');
      }
    }
  });

  it('tell outcomes of one colour apart by sound, and outcomes of one sound apart by colour', () => {
    const byColour = new Map<string, Outcome[]>();
    const bySound = new Map<string, Outcome[]>();
    for (const o of OUTCOMES.filter((o) => o !== 'error')) {
      const colour = ledsOf(patterns[o]).join('+');
      const beeps = sound(patterns[o]).join(' ');
      byColour.set(colour, [...(byColour.get(colour) ?? []), o]);
      bySound.set(beeps, [...(bySound.get(beeps) ?? []), o]);
    }
    for (const group of byColour.values()) {
      expect(new Set(group.map((o) => sound(patterns[o]).join(' '))).size, group.join()).toBe(group.length);
    }
    for (const group of bySound.values()) {
      expect(new Set(group.map((o) => ledsOf(patterns[o]).join('+'))).size, group.join()).toBe(group.length);
    }
  });

  it('idle: online dark, offline a yellow heartbeat, attention a red blink, all silent', () => {
    expect(ledsOf(patterns.online)).toEqual([]);
    expect(ledsOf(patterns.offline)).toEqual(['yellow']);
    expect(patterns.offline.filter((s) => s.led?.length).length).toBe(2);
    expect(ledsOf(patterns.attention)).toEqual(['red']);
    expect(patterns.attention.some((s) => !s.led?.length)).toBe(true);
    for (const idle of ['online', 'offline', 'attention'] as const)
      expect(beepsOf(patterns[idle])).toEqual([]);
  });
});

describe('default patterns without a yellow LED', () => {
  const patterns = defaultPatterns(false);

  it('use green+red for yellow, and never yellow', () => {
    expect(ledsOf(patterns.queued)).toEqual(['green', 'red']);
    expect(ledsOf(patterns.offline)).toEqual(['green', 'red']);
    for (const [name, pattern] of Object.entries(patterns))
      expect(ledsOf(pattern), name).not.toContain('yellow');
  });

  it('keep locked red with a long beep, blinking so that it differs from rejected', () => {
    expect(summary(patterns.locked)).toEqual({ leds: ['red'], beeps: ['long'], ms: 2000 });
    const rhythm = (p: Pattern) => p.map((s) => `${(s.led ?? []).join('+')}:${s.ms}`).join(',');
    const distinct = new Set(OUTCOMES.map((o) => `${sound(patterns[o]).join(' ')}|${rhythm(patterns[o])}`));
    expect(distinct.size).toBe(OUTCOMES.length - 1);
  });
});

describe('pattern helpers', () => {
  it('count consecutive buzzer steps as one beep', () => {
    expect(
      beepsOf([{ buzzer: true, ms: 50 }, { buzzer: true, ms: 60 }, { ms: 10 }, { buzzer: true, ms: 20 }]),
    ).toEqual([110, 20]);
  });

  it('override only the patterns configured', () => {
    const override: Pattern = [{ led: ['red'], ms: 50 }];
    const patterns = resolvePatterns({ clocked_in: override }, true);
    expect(patterns.clocked_in).toBe(override);
    expect(patterns.clocked_out).toEqual(defaultPatterns(true).clocked_out);
  });

  it('self-test lights each present LED in turn, then the buzzer', () => {
    const lit = selfTestPattern(['green', 'red', 'buzzer']).map((s) => [
      ...(s.led ?? []),
      ...(s.buzzer ? ['buzzer'] : []),
    ]);
    expect(lit.filter((l) => l.length > 0)).toEqual([['green'], ['red'], ['buzzer']]);
    expect(lit.at(-1)).toEqual([]);
  });
});
