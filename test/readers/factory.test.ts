import { PassThrough } from 'node:stream';
import { SerialPortMock } from 'serialport';
import { describe, expect, it, vi } from 'vitest';
import { createReader } from '../../src/readers/factory.js';
import { HidReader } from '../../src/readers/hid-reader.js';
import { SerialReader } from '../../src/readers/serial-reader.js';
import { StdinReader } from '../../src/readers/stdin-reader.js';
import { configWith } from '../config/build.js';
import { captureLogger } from '../fakes/logger.js';
import { ManualTimers } from '../fakes/timers.js';
import { recorder } from './helpers.js';

const BASE = configWith().reader;

const neverLoad = () => Promise.reject(new Error('must not be loaded'));

describe('createReader', () => {
  it('builds a stdin reader on the injected stream without loading native modules', async () => {
    const stdin = new PassThrough();
    const { logger, lines } = captureLogger();
    const reader = await createReader(BASE, { logger, stdin, loadSerialPort: neverLoad, loadHid: neverLoad });
    expect(reader).toBeInstanceOf(StdinReader);
    const events = recorder();
    await reader.start(events.onUid, events.onState);
    stdin.end('abc\n');
    await vi.waitFor(() => expect(events.uids).toEqual(['ABC']));
    expect(lines.every((l) => l.part === 'reader')).toBe(true);
  });

  it('builds a serial reader with the loaded port class', async () => {
    SerialPortMock.binding.reset();
    SerialPortMock.binding.createPort('/dev/serial0');
    const loadSerialPort = vi.fn(async () => SerialPortMock);
    const reader = await createReader(
      { ...BASE, type: 'serial', path: '/dev/serial0' },
      { logger: captureLogger().logger, loadSerialPort, loadHid: neverLoad, timers: new ManualTimers() },
    );
    expect(reader).toBeInstanceOf(SerialReader);
    expect(loadSerialPort).toHaveBeenCalledOnce();
    const events = recorder();
    await reader.start(events.onUid, events.onState);
    expect(events.states).toEqual(['connected']);
    await reader.stop();
    SerialPortMock.binding.reset();
  });

  it('refuses a serial reader without a path', async () => {
    await expect(
      createReader(
        { ...BASE, type: 'serial' },
        { logger: captureLogger().logger, loadSerialPort: neverLoad },
      ),
    ).rejects.toThrow('reader.path');
  });

  it('builds a hid reader and parses the lsusb-style ids', async () => {
    const opened: string[] = [];
    const hid = {
      setDriverType: () => {},
      devicesAsync: async () => [{ vendorId: 0xffff, productId: 0x35, path: 'dev-a' }],
      HIDAsync: {
        open: async (path: string) => {
          opened.push(path);
          return { on: () => {}, removeAllListeners: () => {}, close: async () => {} };
        },
      },
    };
    const reader = await createReader(
      { ...BASE, type: 'hid', vendorId: 'ffff', productId: '0035' },
      { logger: captureLogger().logger, loadHid: async () => hid, loadSerialPort: neverLoad },
    );
    expect(reader).toBeInstanceOf(HidReader);
    const events = recorder();
    await reader.start(events.onUid, events.onState);
    expect(opened).toEqual(['dev-a']);
    await reader.stop();
  });

  it.each([
    [{ vendorId: 'ffff', productId: null }, 'vendorId and reader.productId'],
    [{ vendorId: 'xyz', productId: '0035' }, 'reader.vendorId must be a hex id'],
  ])('refuses a hid reader configured as %j', async (ids, message) => {
    await expect(
      createReader({ ...BASE, type: 'hid', ...ids }, { logger: captureLogger().logger, loadHid: neverLoad }),
    ).rejects.toThrow(message);
  });
});
