import { errorMessage } from '../error-message.js';
import type { Logger } from '../log.js';
import type { Clock } from '../time/clock.js';
import { systemTimers, type Timers } from '../time/timers.js';
import { type HidModule, HidReader } from './hid-reader.js';
import type { OpenFailure } from './open-failure.js';
import type { CardReader } from './reader.js';
import { type SerialPortConstructor, SerialReader } from './serial-reader.js';
import { StdinReader } from './stdin-reader.js';
import type { ReaderConfig } from './types.js';

export interface ReaderDeps {
  logger: Logger;
  stdin?: NodeJS.ReadableStream;
  timers?: Timers;
  /** Monotonic time for the keyboard inter-key timeout. */
  clock?: Clock;
  loadSerialPort?: () => Promise<SerialPortConstructor>;
  loadHid?: () => Promise<HidModule>;
  /** Called on every failed attempt to open the device (serial and hid). */
  onOpenFailure?: (failure: OpenFailure) => void;
}

const monotonicClock: Clock = { now: () => performance.now() };

// Loaded on demand so a machine without the native modules still runs the stdin reader and the rest.
async function loadSerialPort(): Promise<SerialPortConstructor> {
  try {
    return (await import('serialport')).SerialPort;
  } catch (error) {
    throw new Error(`cannot load the serialport package: ${errorMessage(error)}`);
  }
}

async function loadHid(): Promise<HidModule> {
  try {
    const hid: HidModule = (await import('node-hid')).default;
    return hid;
  } catch (error) {
    throw new Error(`cannot load the node-hid package: ${errorMessage(error)}`);
  }
}

const HEX_ID = /^(0x)?[0-9a-f]{1,4}$/i;

/** A USB vendor or product id as lsusb prints it (`ffff`, `0x08ff`), as a number. */
export function parseUsbId(name: string, value: string | null): number | null {
  if (value === null) return null;
  if (!HEX_ID.test(value)) throw new Error(`reader.${name} must be a hex id as lsusb prints it, e.g. "ffff"`);
  return Number.parseInt(value.replace(/^0x/i, ''), 16);
}

export async function createReader(config: ReaderConfig, deps: ReaderDeps): Promise<CardReader> {
  const logger = deps.logger.child({ part: 'reader' });
  const timers = deps.timers ?? systemTimers;
  switch (config.type) {
    case 'stdin':
      return new StdinReader({ input: deps.stdin ?? process.stdin, logger });
    case 'serial': {
      if (config.path === null) throw new Error('reader.path is required for reader.type serial');
      const SerialPort = await (deps.loadSerialPort ?? loadSerialPort)();
      return new SerialReader({
        path: config.path,
        baudRate: config.baudRate,
        protocol: config.protocol,
        SerialPort,
        logger,
        timers,
        onOpenFailure: deps.onOpenFailure,
      });
    }
    case 'hid': {
      const vendorId = parseUsbId('vendorId', config.vendorId);
      const productId = parseUsbId('productId', config.productId);
      if (config.path === null && (vendorId === null || productId === null)) {
        throw new Error('reader.type hid needs reader.vendorId and reader.productId, or reader.path');
      }
      const hid = await (deps.loadHid ?? loadHid)();
      return new HidReader({
        hid,
        selector: { path: config.path, vendorId, productId },
        driver: config.hidDriver,
        interKeyTimeoutMs: config.interKeyTimeoutMs,
        logger,
        timers,
        clock: deps.clock ?? monotonicClock,
        onOpenFailure: deps.onOpenFailure,
      });
    }
  }
}
