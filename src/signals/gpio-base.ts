import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GpioUnavailableError } from './gpio-error.js';

export interface GpioChip {
  base: number;
  label: string;
  ngpio: number;
}

/** The pin controllers of the Raspberry Pi models (1-3, 4, 5), whose lines are the BCM numbers. */
export const PI_PIN_CONTROLLERS = ['pinctrl-bcm2835', 'pinctrl-bcm2711', 'pinctrl-rp1'] as const;

/**
 * Finds the sysfs number of BCM line 0. Since kernel 6.6 sysfs GPIO numbers are no longer
 * BCM numbers: the pin controller's chip starts at a dynamic base (512 on a Pi 4, 571 on a
 * Pi 5), so GPIO 17 is exported as base + 17. Without a known controller, the chip with the
 * most lines is the best guess.
 */
export async function resolveGpioBase(sysfsRoot = '/sys'): Promise<GpioChip> {
  const dir = join(sysfsRoot, 'class', 'gpio');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new GpioUnavailableError(
      'no_sysfs_gpio',
      `${dir} is missing: this kernel has no sysfs GPIO (CONFIG_GPIO_SYSFS); use signals.driver console or none`,
      { cause: error },
    );
  }
  const chips: GpioChip[] = [];
  for (const name of names.filter((n) => n.startsWith('gpiochip')).sort()) {
    const chip = await readChip(join(dir, name));
    if (chip !== undefined) chips.push(chip);
  }
  for (const label of PI_PIN_CONTROLLERS) {
    const chip = chips.find((c) => c.label === label);
    if (chip !== undefined) return chip;
  }
  const largest = chips.reduce<GpioChip | undefined>(
    (best, chip) =>
      best === undefined || chip.ngpio > best.ngpio || (chip.ngpio === best.ngpio && chip.base < best.base)
        ? chip
        : best,
    undefined,
  );
  if (largest === undefined) {
    throw new GpioUnavailableError(
      'no_sysfs_gpio',
      `${dir} lists no gpiochip: no GPIO controller is exposed`,
    );
  }
  return largest;
}

async function readChip(path: string): Promise<GpioChip | undefined> {
  try {
    const [label, base, ngpio] = await Promise.all(
      ['label', 'base', 'ngpio'].map(async (file) => (await readFile(join(path, file), 'utf8')).trim()),
    );
    const chip = { label: label ?? '', base: Number(base), ngpio: Number(ngpio) };
    return Number.isInteger(chip.base) && Number.isInteger(chip.ngpio) ? chip : undefined;
  } catch {
    // A chip whose attributes cannot be read cannot be used either; the others may be.
    return undefined;
  }
}
