import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSignals } from '../../src/signals/create-signals.js';
import { configWith } from '../config/build.js';
import { captureLogger } from '../fakes/logger.js';
import { captureStream, emptyRoot, fakeOnoff, PI4, removeSysfsTrees, writeSysfs } from './fakes.js';

const gpioConfig = configWith({
  signals: { driver: 'gpio', leds: { green: 17, red: 27 }, buzzer: 18, selfTest: false },
}).signals;

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(removeSysfsTrees);

describe('createSignals', () => {
  it('builds the gpio driver on a Pi with sysfs GPIO', async () => {
    const onoff = fakeOnoff();
    const signals = await createSignals(gpioConfig, {
      logger: captureLogger().logger,
      sysfsRoot: await writeSysfs(PI4),
      loadGpio: async () => onoff.module,
    });
    expect(signals.kind).toBe('gpio');
    // Without a yellow LED, queued shows green and red together.
    signals.show('queued');
    expect([onoff.lastValue(529), onoff.lastValue(539)]).toEqual([1, 1]);
  });

  it('starts the self-test without waiting for it when selfTest is set', async () => {
    const onoff = fakeOnoff();
    await createSignals(
      { ...gpioConfig, selfTest: true },
      {
        logger: captureLogger().logger,
        sysfsRoot: await writeSysfs(PI4),
        loadGpio: async () => onoff.module,
      },
    );
    expect(onoff.lastValue(529)).toBe(1);
    await vi.runAllTimersAsync();
    expect(onoff.writes.filter((w) => w.value === 1).map((w) => w.gpio)).toEqual([529, 539, 530]);
  });

  it('falls back to log lines, saying why, when GPIO permission is missing', async () => {
    const { logger, lines } = captureLogger();
    const signals = await createSignals(gpioConfig, {
      logger,
      sysfsRoot: await writeSysfs(PI4),
      loadGpio: async () => fakeOnoff({ failOn: new Map([[529, 'EACCES']]) }).module,
    });
    expect(signals.kind).toBe('log');
    const warning = lines.find((l) => l.level === 40);
    expect(warning).toMatchObject({ code: 'permission' });
    expect(warning?.msg).toContain('group gpio');
    signals.show('clocked_in');
    signals.setIdle('offline');
    expect(lines.slice(-2)).toMatchObject([
      { level: 30, signal: 'clocked_in' },
      { level: 30, idle: 'offline' },
    ]);
  });

  it('falls back to log lines when the kernel has no sysfs GPIO', async () => {
    const { logger, lines } = captureLogger();
    const signals = await createSignals(gpioConfig, { logger, sysfsRoot: await emptyRoot() });
    expect(signals.kind).toBe('log');
    expect(lines.find((l) => l.level === 40)).toMatchObject({ code: 'no_sysfs_gpio' });
  });

  it('never loads onoff for the console and none drivers', async () => {
    const load = vi.fn(async () => fakeOnoff().module);
    const { out } = captureStream();
    const logger = captureLogger().logger;
    const consoleSignals = await createSignals(
      { ...gpioConfig, driver: 'console' },
      { logger, out, loadGpio: load },
    );
    const none = await createSignals({ ...gpioConfig, driver: 'none' }, { logger, loadGpio: load });
    expect([consoleSignals.kind, none.kind]).toEqual(['console', 'none']);
    expect(load).not.toHaveBeenCalled();
  });

  it('lets the none driver accept every call', async () => {
    const none = await createSignals(
      { ...gpioConfig, driver: 'none', selfTest: true },
      { logger: captureLogger().logger },
    );
    none.show('error');
    none.setIdle('attention');
    await none.selfTest();
    await none.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
