import type { Logger } from '../log.js';
import type { Clock } from '../time/clock.js';
import { systemTimers, type Timers } from '../time/timers.js';
import { parseUsbId, type ReaderConfig } from './config.js';
import { type HidModule, HidReader } from './hid-reader.js';
import { loadHid, loadSerialPort } from './native.js';
import type { OpenFailure } from './open-failure.js';
import type { CardReader } from './reader.js';
import { type SerialPortConstructor, SerialReader } from './serial-reader.js';
import { StdinReader } from './stdin-reader.js';

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
