import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGpioSignals } from '../../src/signals/gpio-driver.js';
import { GpioUnavailableError } from '../../src/signals/gpio-error.js';
import { configWith } from '../config/build.js';
import { captureLogger } from '../fakes/logger.js';
import { emptyRoot, fakeOnoff, PI4, PI5, removeSysfsTrees, writeSysfs } from './fakes.js';

const config = configWith({
  signals: { driver: 'gpio', leds: { green: 17, red: 27, yellow: 22 }, buzzer: 18, selfTest: false },
}).signals;

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(removeSysfsTrees);

describe('gpio driver', () => {
  it('exports base + BCM for every configured output, starting off', async () => {
    const onoff = fakeOnoff();
    const { logger } = captureLogger();
    await createGpioSignals(config, {
      logger,
      sysfsRoot: await writeSysfs(PI4),
      loadGpio: async () => onoff.module,
    });
    expect(onoff.created).toEqual([
      { gpio: 529, direction: 'low' },
      { gpio: 539, direction: 'low' },
      { gpio: 534, direction: 'low' },
      { gpio: 530, direction: 'low' },
    ]);
    for (const gpio of [529, 539, 534, 530]) expect(onoff.lastValue(gpio)).toBe(0);
  });

  it('uses the Pi 5 base of 571', async () => {
    const onoff = fakeOnoff();
    const { logger } = captureLogger();
    await createGpioSignals(
      { ...config, leds: { green: 17, red: 27, yellow: null }, buzzer: null },
      { logger, sysfsRoot: await writeSysfs(PI5), loadGpio: async () => onoff.module },
    );
    expect(onoff.created.map((c) => c.gpio)).toEqual([588, 598]);
  });

  it('plays outcomes on the pins and switches all off on stop', async () => {
    const onoff = fakeOnoff();
    const { logger } = captureLogger();
    const signals = await createGpioSignals(config, {
      logger,
      sysfsRoot: await writeSysfs(PI4),
      loadGpio: async () => onoff.module,
    });
    signals.show('clocked_in');
    expect([onoff.lastValue(529), onoff.lastValue(530)]).toEqual([1, 1]);
    vi.advanceTimersByTime(100);
    expect(onoff.lastValue(530)).toBe(0);
    signals.show('locked');
    expect([onoff.lastValue(529), onoff.lastValue(539), onoff.lastValue(534)]).toEqual([0, 1, 1]);
    await signals.stop();
    for (const gpio of [529, 539, 534, 530]) expect(onoff.lastValue(gpio)).toBe(0);
  });

  it('unexports only the pins it exported itself', async () => {
    const onoff = fakeOnoff();
    const { logger } = captureLogger();
    const signals = await createGpioSignals(config, {
      logger,
      sysfsRoot: await writeSysfs(PI4, [539, 530]),
      loadGpio: async () => onoff.module,
    });
    await signals.stop();
    expect(onoff.unexported.sort()).toEqual([529, 534]);
  });

  it('drives active-low outputs inverted, from an inactive start', async () => {
    const onoff = fakeOnoff();
    const { logger } = captureLogger();
    const signals = await createGpioSignals(
      configWith({ signals: { ...config, activeLow: { buzzer: true } } }).signals,
      { logger, sysfsRoot: await writeSysfs(PI4), loadGpio: async () => onoff.module },
    );
    expect(onoff.created.find((c) => c.gpio === 530)?.direction).toBe('high');
    expect(onoff.lastValue(530)).toBe(1);
    signals.show('clocked_in');
    expect([onoff.lastValue(529), onoff.lastValue(530)]).toEqual([1, 0]);
    await signals.stop();
    expect(onoff.lastValue(530)).toBe(1);
  });

  it('self-tests each LED in turn, then the buzzer', async () => {
    const onoff = fakeOnoff();
    const { logger } = captureLogger();
    const signals = await createGpioSignals(config, {
      logger,
      sysfsRoot: await writeSysfs(PI4),
      loadGpio: async () => onoff.module,
    });
    onoff.writes.length = 0;
    const done = signals.selfTest();
    await vi.runAllTimersAsync();
    await done;
    expect(onoff.writes.filter((w) => w.value === 1).map((w) => w.gpio)).toEqual([529, 539, 534, 530]);
  });

  it('refuses a BCM number the chip does not have, before loading onoff', async () => {
    const load = vi.fn(async () => fakeOnoff().module);
    const { logger } = captureLogger();
    const error = await createGpioSignals(
      { ...config, buzzer: 60 },
      { logger, sysfsRoot: await writeSysfs(PI4), loadGpio: load },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpioUnavailableError);
    expect(error).toMatchObject({ code: 'bad_pin' });
    expect((error as Error).message).toContain('BCM 60');
    expect(load).not.toHaveBeenCalled();
  });

  it('does not load onoff when there is no sysfs GPIO', async () => {
    const load = vi.fn(async () => fakeOnoff().module);
    const { logger } = captureLogger();
    const error = await createGpioSignals(config, {
      logger,
      sysfsRoot: await emptyRoot(),
      loadGpio: load,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'no_sysfs_gpio' });
    expect(load).not.toHaveBeenCalled();
  });

  it('explains a permission error and releases the pins already exported', async () => {
    const onoff = fakeOnoff({ failOn: new Map([[534, 'EACCES']]) });
    const { logger } = captureLogger();
    const error = await createGpioSignals(config, {
      logger,
      sysfsRoot: await writeSysfs(PI4),
      loadGpio: async () => onoff.module,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'permission' });
    expect((error as Error).message).toMatch(/GPIO 534 \(BCM 22, signals yellow\).*group gpio/);
    expect(onoff.unexported.sort()).toEqual([529, 539]);
  });

  it('names a pin the kernel refuses or another driver holds', async () => {
    const { logger } = captureLogger();
    const sysfsRoot = await writeSysfs(PI4);
    for (const [errno, code] of [
      ['EINVAL', 'bad_pin'],
      ['EBUSY', 'busy'],
    ] as const) {
      const onoff = fakeOnoff({ failOn: new Map([[530, errno]]) });
      const error = await createGpioSignals(config, {
        logger,
        sysfsRoot,
        loadGpio: async () => onoff.module,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code });
      expect((error as Error).message).toContain('BCM 18, signals buzzer');
    }
  });
});
