import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { SignalsConfig } from '../config/index.js';
import { type GpioChip, resolveGpioBase } from '../signals/gpio-base.js';
import { GpioUnavailableError } from '../signals/gpio-error.js';
import { type Check, errorCode, fail, ok, skip } from './checks.js';
import { currentUserName, type Identity, systemIdentity } from './identity.js';

export interface GpioCheckDeps {
  sysfsRoot?: string;
  /** Whether this user may write a file; fs.access with W_OK by default. */
  canWrite?: (path: string) => Promise<void>;
  identity?: Identity;
}

/**
 * What the gpio signals driver needs at start-up, without exporting anything: a pin controller, the
 * pins on it, and the right to export them.
 */
export function gpioCheck(deps: GpioCheckDeps = {}): Check {
  const sysfsRoot = deps.sysfsRoot ?? '/sys';
  const canWrite = deps.canWrite ?? ((path: string) => access(path, constants.W_OK));
  const identity = deps.identity ?? systemIdentity();
  return {
    name: 'GPIO',
    async run({ config }) {
      if (config.signals.driver !== 'gpio') return skip(`signals.driver is ${config.signals.driver}`);
      let chip: GpioChip;
      try {
        chip = await resolveGpioBase(sysfsRoot);
      } catch (error) {
        if (!(error instanceof GpioUnavailableError)) throw error;
        return fail(
          error.message,
          'Raspberry Pi OS kernels have sysfs GPIO; without it, set signals.driver to console or none',
        );
      }
      const pins = configuredPins(config.signals);
      const outside = pins.filter((pin) => pin.bcm >= chip.ngpio);
      if (outside.length > 0) {
        return fail(
          `${outside.map((p) => `${p.name} pin ${p.bcm}`).join(', ')} not on ${chip.label}, which has GPIO 0-${chip.ngpio - 1}`,
          'use BCM pin numbers (GPIO17, not header pin 11) in signals.leds and signals.buzzer',
        );
      }
      const exportFile = join(sysfsRoot, 'class', 'gpio', 'export');
      try {
        await canWrite(exportFile);
      } catch (error) {
        const user = currentUserName(identity);
        return fail(
          `${user} may not write ${exportFile} (${errorCode(error)})`,
          `add the user to group gpio: sudo usermod -aG gpio ${user}, then restart the service`,
        );
      }
      const list = pins.map((p) => `${p.name} ${p.bcm}`).join(', ');
      return ok(`${chip.label} base ${chip.base}, ${chip.ngpio} lines; pins ${list}; export writable`);
    },
  };
}

function configuredPins(signals: SignalsConfig): { name: string; bcm: number }[] {
  const pins = Object.entries(signals.leds).map(([name, bcm]) => ({ name, bcm }));
  pins.push({ name: 'buzzer', bcm: signals.buzzer });
  return pins.filter((pin): pin is { name: string; bcm: number } => pin.bcm !== null);
}
