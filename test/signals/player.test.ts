import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolvePatterns } from '../../src/signals/patterns.js';
import { PatternPlayer } from '../../src/signals/player.js';
import { OUTPUT_NAMES, type OutputName, type PatternSet } from '../../src/signals/types.js';
import { FakeOutputs } from './fakes.js';

function setup(
  options: {
    patterns?: PatternSet;
    present?: readonly OutputName[];
    activeLow?: Partial<Record<OutputName, boolean>>;
  } = {},
) {
  const outputs = new FakeOutputs();
  const player = new PatternPlayer({
    outputs,
    present: options.present ?? OUTPUT_NAMES,
    patterns: options.patterns ?? resolvePatterns({}, true),
    activeLow: options.activeLow,
  });
  return { outputs, player };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('PatternPlayer', () => {
  it('starts with every output written off', () => {
    const { outputs } = setup();
    expect([...outputs.levels]).toEqual(OUTPUT_NAMES.map((name) => [name, false]));
  });

  it('plays the steps in order on their timing, then returns to idle', () => {
    const { outputs, player } = setup({
      patterns: resolvePatterns(
        {
          clocked_in: [
            { led: ['green'], buzzer: true, ms: 100 },
            { led: ['green'], ms: 200 },
            { led: ['red', 'yellow'], ms: 50 },
          ],
        },
        true,
      ),
    });
    player.show('clocked_in');
    expect(outputs.high()).toEqual(['buzzer', 'green']);
    vi.advanceTimersByTime(99);
    expect(outputs.high()).toEqual(['buzzer', 'green']);
    vi.advanceTimersByTime(1);
    expect(outputs.high()).toEqual(['green']);
    vi.advanceTimersByTime(200);
    expect(outputs.high()).toEqual(['red', 'yellow']);
    vi.advanceTimersByTime(50);
    expect(outputs.high()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('writes only the outputs that change', () => {
    const { outputs, player } = setup();
    outputs.writes.length = 0;
    player.show('clocked_out');
    vi.advanceTimersByTime(1000);
    expect(outputs.writes.map((w) => [w.at, w.name, w.on])).toEqual([
      [0, 'green', true],
      [0, 'buzzer', true],
      [100, 'buzzer', false],
      [200, 'buzzer', true],
      [300, 'buzzer', false],
      [1000, 'green', false],
    ]);
  });

  it('lets a new outcome interrupt the one playing', () => {
    const { outputs, player } = setup();
    player.show('clocked_in');
    vi.advanceTimersByTime(50);
    player.show('unknown_badge');
    expect(outputs.high()).toEqual(['buzzer', 'red']);
    // The interrupted pattern must not come back when its own timers would have fired.
    vi.advanceTimersByTime(1500);
    expect(outputs.high()).toEqual([]);
    expect(outputs.writes.filter((w) => w.name === 'green' && w.on)).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resumes the idle pattern from its start when an outcome ends', () => {
    const { outputs, player } = setup();
    player.setIdle('offline');
    expect(outputs.high()).toEqual(['yellow']);
    vi.advanceTimersByTime(1500);
    player.show('clocked_in');
    expect(outputs.high()).toEqual(['buzzer', 'green']);
    vi.advanceTimersByTime(1000);
    expect(outputs.high()).toEqual(['yellow']);
    vi.advanceTimersByTime(100);
    expect(outputs.high()).toEqual([]);
  });

  it('loops the idle pattern', () => {
    const { outputs, player } = setup();
    player.setIdle('attention');
    const seen: OutputName[][] = [];
    for (let t = 0; t < 5; t += 1) {
      seen.push(outputs.high());
      vi.advanceTimersByTime(1000);
    }
    expect(seen).toEqual([['red'], [], ['red'], [], ['red']]);
  });

  it('applies an idle change made during an outcome when the outcome ends', () => {
    const { outputs, player } = setup();
    player.show('clocked_in');
    player.setIdle('attention');
    expect(outputs.high()).toEqual(['buzzer', 'green']);
    vi.advanceTimersByTime(999);
    expect(outputs.high()).toEqual(['green']);
    vi.advanceTimersByTime(1);
    expect(outputs.high()).toEqual(['red']);
  });

  it('switches idle at once when no outcome plays, and back to all off for online', () => {
    const { outputs, player } = setup();
    player.setIdle('attention');
    expect(outputs.high()).toEqual(['red']);
    player.setIdle('online');
    expect(outputs.high()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('inverts the level of active-low outputs', () => {
    const { outputs, player } = setup({ activeLow: { green: true, buzzer: true } });
    expect(outputs.levels.get('green')).toBe(true);
    expect(outputs.levels.get('buzzer')).toBe(true);
    expect(outputs.levels.get('red')).toBe(false);
    player.show('clocked_in');
    expect(outputs.levels.get('green')).toBe(false);
    expect(outputs.levels.get('buzzer')).toBe(false);
    expect(outputs.levels.get('red')).toBe(false);
    vi.advanceTimersByTime(100);
    expect(outputs.levels.get('buzzer')).toBe(true);
  });

  it('switches everything off on stop, closes the outputs and ignores later calls', async () => {
    const { outputs, player } = setup({ activeLow: { red: true } });
    player.setIdle('offline');
    player.show('locked');
    expect(outputs.levels.get('red')).toBe(false);
    await player.stop();
    expect(outputs.closed).toBe(true);
    expect(Object.fromEntries(outputs.levels)).toEqual({
      green: false,
      red: true,
      yellow: false,
      buzzer: false,
    });
    expect(vi.getTimerCount()).toBe(0);
    const writes = outputs.writes.length;
    player.show('clocked_in');
    player.setIdle('attention');
    vi.advanceTimersByTime(5000);
    expect(outputs.writes).toHaveLength(writes);
  });

  it('plays configured overrides instead of the defaults', () => {
    const { outputs, player } = setup({
      patterns: resolvePatterns({ clocked_in: [{ led: ['red'], ms: 300 }] }, true),
    });
    player.show('clocked_in');
    expect(outputs.high()).toEqual(['red']);
    vi.advanceTimersByTime(300);
    expect(outputs.high()).toEqual([]);
  });

  it('ignores LEDs that are not present', () => {
    const { outputs, player } = setup({ present: ['green', 'red'], patterns: resolvePatterns({}, true) });
    player.show('locked');
    expect(outputs.high()).toEqual(['red']);
    expect(outputs.levels.has('yellow')).toBe(false);
  });

  it('calls onEnd when a played pattern finishes or is interrupted', () => {
    const { player } = setup();
    const ended: string[] = [];
    player.play([{ led: ['green'], ms: 100 }], () => ended.push('first'));
    vi.advanceTimersByTime(100);
    expect(ended).toEqual(['first']);
    player.play([{ led: ['green'], ms: 100 }], () => ended.push('second'));
    player.show('error');
    expect(ended).toEqual(['first', 'second']);
  });
});
