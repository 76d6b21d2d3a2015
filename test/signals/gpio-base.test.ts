import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveGpioBase } from '../../src/signals/gpio-base.js';
import { GpioUnavailableError } from '../../src/signals/gpio-error.js';
import { emptyRoot, PI3, PI4, PI5, removeSysfsTrees, writeSysfs } from './fakes.js';

afterAll(removeSysfsTrees);

describe('resolveGpioBase', () => {
  it('finds the BCM2835 controller at base 0 on a Pi 3 with an old kernel', async () => {
    expect(await resolveGpioBase(await writeSysfs(PI3))).toEqual({
      label: 'pinctrl-bcm2835',
      base: 0,
      ngpio: 54,
    });
  });

  it('finds the BCM2711 controller at base 512 on a Pi 4 with kernel 6.6', async () => {
    expect(await resolveGpioBase(await writeSysfs(PI4))).toEqual({
      label: 'pinctrl-bcm2711',
      base: 512,
      ngpio: 58,
    });
  });

  it('finds the RP1 controller at base 571 on a Pi 5, past the other chips', async () => {
    expect(await resolveGpioBase(await writeSysfs(PI5))).toEqual({
      label: 'pinctrl-rp1',
      base: 571,
      ngpio: 54,
    });
  });

  it('falls back to the chip with the most lines when no label is known', async () => {
    const root = await writeSysfs([
      { label: 'gpio-a', base: 0, ngpio: 16 },
      { label: 'gpio-b', base: 16, ngpio: 64 },
      { label: 'gpio-c', base: 80, ngpio: 8 },
    ]);
    expect(await resolveGpioBase(root)).toEqual({ label: 'gpio-b', base: 16, ngpio: 64 });
  });

  it('says so when there is no sysfs GPIO at all', async () => {
    const root = await emptyRoot();
    const error = await resolveGpioBase(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpioUnavailableError);
    expect(error).toMatchObject({ code: 'no_sysfs_gpio' });
    expect((error as Error).message).toContain(join(root, 'class', 'gpio'));
  });

  it('says so when sysfs GPIO lists no chip', async () => {
    const error = await resolveGpioBase(await writeSysfs([])).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'no_sysfs_gpio' });
  });
});
