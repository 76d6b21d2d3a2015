import { describe, expect, it } from 'vitest';
import { OUTCOMES } from '../../src/outcome.js';
import { patternDuration, resolvePatterns } from '../../src/signals/patterns.js';
import { isPatternName, PATTERN_NAMES, playSequence } from '../../src/signals/sequence.js';
import type { SignalsDriver } from '../../src/signals/types.js';

function recordingDriver() {
  const calls: string[] = [];
  const driver: SignalsDriver = {
    kind: 'none',
    patterns: resolvePatterns({}, true),
    show: (outcome) => calls.push(`show ${outcome}`),
    setIdle: (state) => calls.push(`idle ${state}`),
    selfTest: async () => {
      calls.push('self-test');
    },
    stop: async () => {
      calls.push('stop');
    },
  };
  return { driver, calls };
}

describe('playSequence', () => {
  it('plays the self-test, every outcome and every idle state, waiting for each to finish', async () => {
    const { driver, calls } = recordingDriver();
    const waits: number[] = [];
    const announced: string[] = [];
    await playSequence(driver, PATTERN_NAMES, {
      wait: async (ms) => {
        waits.push(ms);
        calls.push('wait');
      },
      announce: (name) => announced.push(name),
    });
    expect(calls).toEqual([
      'self-test',
      'wait',
      ...OUTCOMES.flatMap((o) => [`show ${o}`, 'wait']),
      'idle online',
      'wait',
      'idle offline',
      'wait',
      'idle attention',
      'wait',
      'idle online',
    ]);
    expect(announced).toEqual(['self-test', ...PATTERN_NAMES]);
    OUTCOMES.forEach((o, i) => {
      expect(waits[i + 1], o).toBeGreaterThan(patternDuration(driver.patterns[o]));
    });
    expect(waits.at(-2)).toBeGreaterThanOrEqual(2 * patternDuration(driver.patterns.offline));
  });

  it('plays a single pattern without the self-test', async () => {
    const { driver, calls } = recordingDriver();
    await playSequence(driver, ['locked'], { wait: async () => {}, announce: () => {} });
    expect(calls).toEqual(['show locked', 'idle online']);
  });

  it('knows the valid names', () => {
    expect(isPatternName('queued')).toBe(true);
    expect(isPatternName('attention')).toBe(true);
    expect(isPatternName('clocked')).toBe(false);
  });
});
