import { errorMessage } from '../error-message.js';
import type { HidModule } from './hid-reader.js';
import { withInlineReads } from './serial-inline-read.js';
import type { SerialPortConstructor } from './serial-reader.js';

// The native modules are loaded on demand: a machine without them still runs the stdin reader, and
// doctor still runs its other checks.

/** serialport's SerialPort, its ports reading on the event loop's thread (serial-inline-read.ts). */
export async function importSerialPort(): Promise<SerialPortConstructor> {
  const [{ SerialPortStream }, { autoDetect }] = await Promise.all([
    import('@serialport/stream'),
    import('@serialport/bindings-cpp'),
  ]);
  const binding = withInlineReads(autoDetect());
  return class SerialPort extends SerialPortStream {
    constructor(options: { path: string; baudRate: number; autoOpen: false }) {
      super({ ...options, binding });
    }
  };
}

export async function importHid(): Promise<HidModule> {
  const hid: HidModule = (await import('node-hid')).default;
  return hid;
}

/** For the daemon: a failed import says which package it was. */
export function loadSerialPort(): Promise<SerialPortConstructor> {
  return naming('serialport', importSerialPort);
}

export function loadHid(): Promise<HidModule> {
  return naming('node-hid', importHid);
}

async function naming<T>(pkg: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new Error(`cannot load the ${pkg} package: ${errorMessage(error)}`);
  }
}
