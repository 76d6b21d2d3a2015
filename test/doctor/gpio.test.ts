import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gpioCheck } from '../../src/doctor/gpio.js';
import { emptyRoot, PI4, removeSysfsTrees, writeSysfs } from '../signals/fakes.js';
import { context, errno, fakeIdentity, removeTempDirs, single } from './helpers.js';

afterAll(async () => {
  removeTempDirs();
  await removeSysfsTrees();
});

const GPIO_CONFIG = 'signals:\n  driver: gpio\n  leds:\n    green: 17\n    red: 27\n  buzzer: 22\n';

/** A Pi 4 on kernel 6.6 as sysfs shows it, with the export file the kernel provides. */
async function pi4(): Promise<string> {
  const root = await writeSysfs(PI4);
  await writeFile(join(root, 'class', 'gpio', 'export'), '');
  return root;
}

describe('gpioCheck', () => {
  it('skips when the signals are not on GPIO', async () => {
    expect(await single(gpioCheck(), context())).toEqual({
      status: 'skip',
      detail: 'signals.driver is console',
    });
  });

  it('reports the pin controller and its base, the pins, and a writable export', async () => {
    const result = await single(gpioCheck({ sysfsRoot: await pi4() }), context(GPIO_CONFIG));
    expect(result).toEqual({
      status: 'ok',
      detail: 'pinctrl-bcm2711 base 512, 58 lines; pins green 17, red 27, buzzer 22; export writable',
    });
  });

  it('fails on a pin the controller does not have', async () => {
    const config = GPIO_CONFIG.replace('buzzer: 22', 'buzzer: 60');
    const result = await single(gpioCheck({ sysfsRoot: await pi4() }), context(config));
    expect(result.status).toBe('fail');
    expect(result.detail).toBe('buzzer pin 60 not on pinctrl-bcm2711, which has GPIO 0-57');
    expect(result.fix).toContain('BCM');
  });

  it('tells to join group gpio when export is not writable', async () => {
    const root = await pi4();
    const asked: string[] = [];
    const canWrite = async (path: string) => {
      asked.push(path);
      throw errno('EACCES');
    };
    const result = await single(
      gpioCheck({ sysfsRoot: root, canWrite, identity: fakeIdentity(998) }),
      context(GPIO_CONFIG),
    );
    expect(asked).toEqual([join(root, 'class', 'gpio', 'export')]);
    expect(result.status).toBe('fail');
    expect(result.fix).toBe(
      'add the user to group gpio: sudo usermod -aG gpio moco-timeclock, then restart the service',
    );
  });

  it('fails without sysfs GPIO', async () => {
    const result = await single(gpioCheck({ sysfsRoot: await emptyRoot() }), context(GPIO_CONFIG));
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('no sysfs GPIO');
    expect(result.fix).toContain('set signals.driver to console or none');
  });

  it('exports nothing', async () => {
    const root = await pi4();
    await single(gpioCheck({ sysfsRoot: root }), context(GPIO_CONFIG));
    expect(await readFile(join(root, 'class', 'gpio', 'export'), 'utf8')).toBe('');
  });
});
