import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { Timers } from '../time/timers.js';
import { LED_NAMES, type SignalsConfig } from './config.js';
import { resolveGpioBase } from './gpio-base.js';
import { GpioUnavailableError } from './gpio-error.js';
import { resolvePatterns, selfTestPattern } from './patterns.js';
import { PatternPlayer } from './player.js';
import { OUTPUT_NAMES, type OutputName, type Outputs, type SignalsDriver } from './types.js';

/** The part of onoff's `Gpio` we use; `typeof import('onoff')` satisfies it. */
export interface GpioPin {
  writeSync(value: 0 | 1): void;
  unexport(): void;
}
export interface OnoffModule {
  Gpio: new (gpio: number, direction: 'high' | 'low') => GpioPin;
}

export interface GpioSignalsDeps {
  logger: Logger;
  sysfsRoot?: string;
  loadGpio?: () => Promise<OnoffModule>;
  timers?: Timers;
}

interface OpenPin {
  name: OutputName;
  bcm: number;
  pin: GpioPin;
  /** Pins someone else exported stay exported when we stop. */
  exportedByUs: boolean;
}

export function activeLowOf(config: SignalsConfig['activeLow']): Record<OutputName, boolean> {
  const flags = {} as Record<OutputName, boolean>;
  for (const name of OUTPUT_NAMES)
    flags[name] = typeof config === 'boolean' ? config : (config[name] ?? false);
  return flags;
}

function configuredPins(config: SignalsConfig): { name: OutputName; bcm: number }[] {
  const pins: { name: OutputName; bcm: number }[] = [];
  for (const led of LED_NAMES) {
    const bcm = config.leds[led];
    if (bcm !== null) pins.push({ name: led, bcm });
  }
  if (config.buzzer !== null) pins.push({ name: 'buzzer', bcm: config.buzzer });
  return pins;
}

/**
 * Drives LEDs and buzzer through sysfs GPIO with onoff, loaded only here so that a machine
 * without GPIO never loads its native epoll module. Throws GpioUnavailableError saying why
 * the outputs cannot be used.
 */
export async function createGpioSignals(
  config: SignalsConfig,
  deps: GpioSignalsDeps,
): Promise<SignalsDriver> {
  const sysfsRoot = deps.sysfsRoot ?? '/sys';
  const chip = await resolveGpioBase(sysfsRoot);
  const wanted = configuredPins(config);
  for (const { name, bcm } of wanted) {
    if (bcm >= chip.ngpio) {
      throw new GpioUnavailableError(
        'bad_pin',
        `signals ${name}: BCM ${bcm} does not exist on ${chip.label}, which has GPIO 0-${chip.ngpio - 1}`,
      );
    }
  }
  let onoff: OnoffModule;
  try {
    onoff = await (deps.loadGpio ?? (() => import('onoff')))();
  } catch (error) {
    throw new GpioUnavailableError('load_failed', `cannot load onoff: ${(error as Error).message}`, {
      cause: error,
    });
  }

  const activeLow = activeLowOf(config.activeLow);
  const opened: OpenPin[] = [];
  for (const { name, bcm } of wanted) {
    const sysfsNumber = chip.base + bcm;
    const exportedBefore = await exists(join(sysfsRoot, 'class', 'gpio', `gpio${sysfsNumber}`));
    try {
      // Starting at the inactive level keeps an active-low LED from flashing on at start-up.
      const pin = new onoff.Gpio(sysfsNumber, activeLow[name] ? 'high' : 'low');
      opened.push({ name, bcm, pin, exportedByUs: !exportedBefore });
    } catch (error) {
      release(opened, deps.logger);
      throw explainExportError(error, name, bcm, sysfsNumber);
    }
  }

  const outputs = gpioOutputs(opened, deps.logger);
  const present = opened.map((p) => p.name);
  const patterns = resolvePatterns(config.patterns, config.leds.yellow !== null);
  const player = new PatternPlayer({ outputs, present, patterns, activeLow, timers: deps.timers });
  deps.logger.info(
    { chip: chip.label, base: chip.base, pins: Object.fromEntries(opened.map((p) => [p.name, p.bcm])) },
    'gpio signals ready',
  );
  return {
    kind: 'gpio',
    patterns,
    show: (outcome) => player.show(outcome),
    setIdle: (state) => player.setIdle(state),
    selfTest: () => new Promise((resolve) => player.play(selfTestPattern(present), resolve)),
    stop: () => player.stop(),
  };
}

function gpioOutputs(pins: readonly OpenPin[], logger: Logger): Outputs {
  const failed = new Set<OutputName>();
  return {
    set(name, on) {
      const open = pins.find((p) => p.name === name);
      try {
        open?.pin.writeSync(on ? 1 : 0);
      } catch (error) {
        // One warning per output: a pattern writes many times a second.
        if (!failed.has(name)) logger.warn({ output: name, err: error }, 'cannot write signal output');
        failed.add(name);
      }
    },
    close: async () => release(pins, logger),
  };
}

function release(pins: readonly OpenPin[], logger: Logger): void {
  for (const open of pins) {
    // onoff has no way to close a pin without unexporting it; a pin exported by someone else
    // keeps its file descriptor until the process exits.
    if (!open.exportedByUs) continue;
    try {
      open.pin.unexport();
    } catch (error) {
      logger.warn({ output: open.name, err: error }, 'cannot unexport signal output');
    }
  }
}

function explainExportError(
  error: unknown,
  name: OutputName,
  bcm: number,
  sysfsNumber: number,
): GpioUnavailableError {
  const code = (error as NodeJS.ErrnoException).code;
  const pin = `GPIO ${sysfsNumber} (BCM ${bcm}, signals ${name})`;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new GpioUnavailableError(
        'permission',
        `no permission to export ${pin} under /sys/class/gpio: add the service user to group gpio (sudo usermod -aG gpio <user>) and restart`,
        { cause: error },
      );
    case 'EINVAL':
    case 'ENOENT':
    case 'ENXIO':
      return new GpioUnavailableError('bad_pin', `the kernel refused ${pin}: check the BCM pin number`, {
        cause: error,
      });
    case 'EBUSY':
      return new GpioUnavailableError(
        'busy',
        `${pin} is in use by a kernel driver or another program (a dtoverlay in config.txt, another GPIO tool)`,
        { cause: error },
      );
    default:
      return new GpioUnavailableError('failed', `cannot export ${pin}: ${(error as Error).message}`, {
        cause: error,
      });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
