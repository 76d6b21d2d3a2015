import type { HidModule } from './hid-reader.js';
import type { SerialPortConstructor } from './serial-reader.js';

// The native modules are loaded on demand: a machine without them still runs the stdin reader, and
// doctor still runs its other checks.

export async function importSerialPort(): Promise<SerialPortConstructor> {
  return (await import('serialport')).SerialPort;
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
    throw new Error(`cannot load the ${pkg} package: ${(error as Error).message}`);
  }
}
