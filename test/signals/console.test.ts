import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OUTCOMES } from '../../src/outcome.js';
import { renderSignalLine } from '../../src/signals/console-render.js';
import { createSignals } from '../../src/signals/create-signals.js';
import { beepsOf, defaultPatterns } from '../../src/signals/patterns.js';
import { configWith } from '../config/build.js';
import { captureLogger } from '../fakes/logger.js';
import { captureStream } from './fakes.js';

const config = configWith({ signals: { driver: 'console', selfTest: false } }).signals;

const bells = (text: string) => text.split('\x07').length - 1;

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('renderSignalLine', () => {
  const patterns = defaultPatterns(true);

  it('names the lit LEDs by letter without colour', () => {
    expect(renderSignalLine('clocked_out', patterns.clocked_out, false)).toBe(
      '[G · ·] CLOCKED OUT         beep: short short',
    );
    expect(renderSignalLine('queued', patterns.queued, false)).toBe(
      '[· · Y] STORED, SENT LATER  beep: short long',
    );
    expect(renderSignalLine('locked', patterns.locked, false)).toBe('[· R Y] LOCKED              beep: long');
    expect(renderSignalLine('repeat_ignored', patterns.repeat_ignored, false)).toBe(
      '[G · ·] ALREADY RECORDED',
    );
  });

  it('names whose tap it was after the word, so that someone trying the demo sees it', () => {
    expect(renderSignalLine('clocked_in', patterns.clocked_in, false, 'Anna Schmidt')).toBe(
      '[G · ·] CLOCKED IN          Anna Schmidt  beep: short',
    );
    expect(renderSignalLine('repeat_ignored', patterns.repeat_ignored, false, 'Anna Schmidt')).toBe(
      '[G · ·] ALREADY RECORDED    Anna Schmidt',
    );
  });

  it('draws lit LEDs as coloured dots and dark ones dim', () => {
    const line = renderSignalLine('unknown_badge', patterns.unknown_badge, true);
    expect(line).toContain('\x1b[2m○\x1b[0m \x1b[31m●\x1b[0m \x1b[2m○\x1b[0m');
    expect(line).toContain('UNKNOWN BADGE');
    expect(line).toContain('beep: short short short');
  });
});

describe('console driver', () => {
  it('writes one line per outcome and rings the bell once per beep of its pattern', async () => {
    for (const outcome of OUTCOMES) {
      const { out, text } = captureStream();
      const signals = await createSignals(config, { logger: captureLogger().logger, out, color: false });
      signals.show(outcome);
      vi.advanceTimersByTime(3000);
      expect(text().replaceAll('\x07', '').split('\n').filter(Boolean), outcome).toHaveLength(1);
      expect(bells(text()), outcome).toBe(beepsOf(signals.patterns[outcome]).length);
      await signals.stop();
    }
  });

  it('rings the bells on the pattern timing', async () => {
    const { out, text } = captureStream();
    const signals = await createSignals(config, { logger: captureLogger().logger, out, color: false });
    signals.show('unknown_badge');
    expect(bells(text())).toBe(1);
    vi.advanceTimersByTime(199);
    expect(bells(text())).toBe(1);
    vi.advanceTimersByTime(1);
    expect(bells(text())).toBe(2);
  });

  it('renders configured overrides', async () => {
    const { out, text } = captureStream();
    const patterns = {
      clocked_in: [
        { led: ['red' as const], buzzer: true, ms: 100 },
        { ms: 50 },
        { led: ['red' as const], buzzer: true, ms: 700 },
      ],
    };
    const signals = await createSignals(
      configWith({ signals: { driver: 'console', selfTest: false, patterns } }).signals,
      { logger: captureLogger().logger, out, color: false },
    );
    signals.show('clocked_in');
    vi.advanceTimersByTime(1000);
    expect(text()).toContain('[· R ·] CLOCKED IN          beep: short long');
    expect(bells(text())).toBe(2);
  });

  it('shows the yellow patterns on its virtual panel although no LED is wired', async () => {
    const { out, text } = captureStream();
    const signals = await createSignals(config, { logger: captureLogger().logger, out, color: false });
    signals.show('queued');
    expect(text()).toContain('[· · Y]');
  });

  it('writes a line when the idle state changes, not when it is repeated', async () => {
    const { out, text } = captureStream();
    const signals = await createSignals(config, { logger: captureLogger().logger, out, color: false });
    signals.setIdle('offline');
    signals.setIdle('offline');
    vi.advanceTimersByTime(10_000);
    signals.setIdle('online');
    expect(text()).toBe('[· · Y] idle: offline, taps are stored\n[· · ·] idle: online\n');
  });

  it('runs the self-test at creation when configured, with one bell', async () => {
    const { out, text } = captureStream();
    await createSignals({ ...config, selfTest: true }, { logger: captureLogger().logger, out, color: false });
    await vi.runAllTimersAsync();
    expect(text()).toBe('[signals self-test]\n\x07');
  });
});
