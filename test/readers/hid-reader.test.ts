import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import {
  type HidDevice,
  type HidDeviceInfo,
  HidLibraryError,
  type HidModule,
  HidReader,
  type HidSelector,
  selectHidDevice,
} from '../../src/readers/hid-reader.js';
import type { OpenFailure } from '../../src/readers/open-failure.js';
import { captureLogger } from '../fakes/logger.js';
import { ManualTimers } from '../fakes/timers.js';
import { recorder, WARN } from './helpers.js';

const ENTER = 0x28;
const RELEASE = Buffer.alloc(8);

function key(usage: number, modifier = 0): Buffer {
  return Buffer.from([modifier, 0, usage, 0, 0, 0, 0, 0]);
}

class FakeDevice extends EventEmitter implements HidDevice {
  closed = false;

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Types the digits and Enter, as a wedge reader does. */
  type(digits: string): void {
    for (const d of digits) {
      this.emit('data', key(d === '0' ? 0x27 : 0x1e + Number(d) - 1));
      this.emit('data', RELEASE);
    }
    this.emit('data', key(ENTER));
    this.emit('data', RELEASE);
  }
}

const READER: HidDeviceInfo = {
  vendorId: 0xffff,
  productId: 0x0035,
  path: '1-1.2:1.0',
  usagePage: 1,
  usage: 6,
};

/** A node-hid stand-in: a device list the test changes, and devices the test can unplug. */
class FakeHid implements HidModule {
  calls: string[] = [];
  present: HidDeviceInfo[] = [READER];
  opened: FakeDevice[] = [];
  devicesError: Error | null = null;
  openError: Error | null = null;

  setDriverType(type: 'libusb' | 'hidraw'): void {
    this.calls.push(`setDriverType ${type}`);
  }

  async devicesAsync(): Promise<HidDeviceInfo[]> {
    this.calls.push('devicesAsync');
    if (this.devicesError !== null) throw this.devicesError;
    return this.present;
  }

  HIDAsync = {
    open: async (path: string): Promise<HidDevice> => {
      this.calls.push(`open ${path}`);
      if (this.openError !== null) throw this.openError;
      const device = new FakeDevice();
      this.opened.push(device);
      return device;
    },
  };

  get last(): FakeDevice {
    const device = this.opened.at(-1);
    if (device === undefined) throw new Error('nothing opened');
    return device;
  }
}

const BY_ID: HidSelector = { path: null, vendorId: 0xffff, productId: 0x0035 };

function setup(options: { selector?: HidSelector; driver?: 'libusb' | 'hidraw' } = {}) {
  const hid = new FakeHid();
  const { logger, lines } = captureLogger();
  const timers = new ManualTimers();
  const failures: OpenFailure[] = [];
  let now = 0;
  const reader = new HidReader({
    hid,
    selector: options.selector ?? BY_ID,
    driver: options.driver ?? 'libusb',
    interKeyTimeoutMs: 200,
    logger,
    timers,
    clock: { now: () => (now += 5) },
    onOpenFailure: (failure) => failures.push(failure),
  });
  return { hid, reader, lines, timers, failures, events: recorder() };
}

describe('selectHidDevice', () => {
  const other: HidDeviceInfo = { vendorId: 0x046d, productId: 0xc31c, path: '1-1.3:1.0' };
  const consumer: HidDeviceInfo = { ...READER, path: '1-1.2:1.1', usagePage: 0x0c, usage: 1 };

  it('picks the keyboard interface of the configured vendor and product', () => {
    expect(selectHidDevice([other, consumer, READER], BY_ID)).toBe(READER);
  });

  it('falls back to the first matching interface when usages are unknown', () => {
    const plain = { vendorId: 0xffff, productId: 0x0035, path: '/dev/hidraw3' };
    expect(selectHidDevice([other, plain], BY_ID)).toBe(plain);
  });

  it('selects by path when one is configured', () => {
    expect(selectHidDevice([READER, consumer], { path: '1-1.2:1.1', vendorId: null, productId: null })).toBe(
      consumer,
    );
  });

  it('finds nothing when the device is absent', () => {
    expect(selectHidDevice([other], BY_ID)).toBeUndefined();
  });
});

describe('HidReader', () => {
  it('sets the driver type before any other node-hid call, then opens the device by path', async () => {
    const { hid, reader, events } = setup({ driver: 'hidraw' });
    await reader.start(events.onUid, events.onState);
    expect(hid.calls).toEqual(['setDriverType hidraw', 'devicesAsync', 'open 1-1.2:1.0']);
    expect(events.states).toEqual(['connected']);
    await reader.stop();
  });

  it('emits the UIDs typed by the reader', async () => {
    const { hid, reader, events } = setup();
    await reader.start(events.onUid, events.onState);
    hid.last.type('0001193046');
    hid.last.type('0008712315');
    expect(events.uids).toEqual(['0001193046', '0008712315']);
    await reader.stop();
  });

  it('turns a missing libusb into an error naming the apt package', async () => {
    const { hid, reader, events } = setup();
    hid.devicesError = new Error(
      'libusb-1.0.so.0: cannot open shared object file: No such file or directory',
    );
    const started = reader.start(events.onUid, events.onState);
    await expect(started).rejects.toBeInstanceOf(HidLibraryError);
    await expect(started).rejects.toThrow('sudo apt-get install libusb-1.0-0');
  });

  it('waits for a device that is not plugged in and opens it when it appears', async () => {
    const { hid, reader, events, timers, failures } = setup();
    hid.present = [];
    await reader.start(events.onUid, events.onState);
    expect(events.states).toEqual(['disconnected']);
    expect(failures.map((f) => f.kind)).toEqual(['missing']);

    timers.fire();
    await vi.waitFor(() => expect(timers.delays).toEqual([500, 1000]));
    hid.present = [READER];
    timers.fire();
    await vi.waitFor(() => expect(events.states).toEqual(['disconnected', 'connected']));
    await reader.stop();
  });

  it('on a read error reports the unplug once, polls the device list and reopens', async () => {
    const { hid, reader, events, timers, lines } = setup();
    await reader.start(events.onUid, events.onState);
    const first = hid.last;

    hid.present = [];
    first.emit('error', new Error('could not read from HID device'));
    first.emit('error', new Error('could not read from HID device'));
    await vi.waitFor(() => expect(first.closed).toBe(true));
    expect(events.states).toEqual(['connected', 'disconnected']);
    expect(lines.filter((l) => l.msg === 'reader device lost')).toHaveLength(1);

    timers.fire();
    await vi.waitFor(() => expect(timers.delays).toEqual([500, 1000]));
    expect(lines.filter((l) => l.level >= WARN)).toHaveLength(2);

    hid.present = [READER];
    timers.fire();
    await vi.waitFor(() => expect(events.states).toEqual(['connected', 'disconnected', 'connected']));
    expect(hid.opened).toHaveLength(2);
    hid.last.type('42');
    expect(events.uids).toEqual(['42']);
    await reader.stop();
  });

  it('forgets a half-typed UID across a reconnect', async () => {
    const { hid, reader, events, timers } = setup();
    await reader.start(events.onUid, events.onState);
    hid.last.emit('data', key(0x1e));
    hid.last.emit('error', new Error('gone'));
    timers.fire();
    await vi.waitFor(() => expect(hid.opened).toHaveLength(2));
    hid.last.type('2');
    expect(events.uids).toEqual(['2']);
    await reader.stop();
  });

  it('reports a device that is listed but cannot be opened as busy', async () => {
    const { hid, reader, events, failures, lines } = setup();
    hid.openError = new Error('cannot open device with path 1-1.2:1.0');
    await reader.start(events.onUid, events.onState);
    expect(failures).toEqual([{ kind: 'busy', message: 'cannot open device with path 1-1.2:1.0' }]);
    expect(lines.find((l) => l.level === WARN)?.msg).toContain('sudo systemctl stop moco-timeclock');
    expect(events.states).toEqual(['disconnected']);
    await reader.stop();
  });

  it('stops: closes the device and cancels the retry', async () => {
    const { hid, reader, events, timers } = setup();
    await reader.start(events.onUid, events.onState);
    const device = hid.last;
    await reader.stop();
    expect(device.closed).toBe(true);
    expect(timers.pendingCount).toBe(0);
    device.emit('data', key(0x1e));
    expect(events.uids).toEqual([]);
  });
});
