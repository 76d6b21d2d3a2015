import { SerialPortMock } from 'serialport';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { DoctorContext } from '../../src/doctor/checks.js';
import { readerCheck, serialPortOpener } from '../../src/doctor/reader.js';
import { HEARTBEAT_STALE_MS } from '../../src/heartbeat.js';
import type { HidDeviceInfo, HidModule } from '../../src/readers/hid-reader.js';
import type { SerialPortConstructor } from '../../src/readers/serial-reader.js';
import { databasePath, openDatabase } from '../../src/store/database.js';
import { type DaemonStatus, writeDaemonStatus } from '../../src/store/status.js';
import { context, fakeIdentity, removeTempDirs, single } from './helpers.js';

// SerialPortMock and its binding come from the same (CommonJS) copy of @serialport/binding-mock.
const binding = SerialPortMock.binding;
const PATH = '/dev/serial/by-id/usb-rdm6300';
const NOW = 1_750_000_000_000;
const clock = { now: () => NOW };
const identity = fakeIdentity(998);
const mockOpener = serialPortOpener(async () => SerialPortMock as unknown as SerialPortConstructor);

const contexts: DoctorContext[] = [];
afterEach(() => {
  binding.reset();
  for (const ctx of contexts.splice(0)) ctx.found.db?.close();
});
afterAll(removeTempDirs);

function serialContext(): DoctorContext {
  const ctx = context(`reader:\n  type: serial\n  path: ${PATH}\n`);
  contexts.push(ctx);
  return ctx;
}

/** The daemon's status row, with its last heartbeat `ageMs` before now. */
function daemonHeartbeat(ctx: DoctorContext, ageMs: number): void {
  const db = openDatabase(databasePath(ctx.config.dataDir));
  const status: DaemonStatus = {
    pid: 4242,
    version: '0.1.0',
    startedAt: NOW - 3_600_000,
    heartbeatAt: NOW - ageMs,
    connectivity: 'online',
    connectivitySince: NOW - 3_600_000,
    reader: 'connected',
    clockSynchronized: true,
    lastScan: null,
  };
  writeDaemonStatus(db, status);
  ctx.found.db = db;
}

async function holdPort(): Promise<SerialPortMock> {
  const holder = new SerialPortMock({ path: PATH, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => holder.open((err) => (err ? reject(err) : resolve())));
  return holder;
}

describe('readerCheck: stdin', () => {
  it('has nothing to check', async () => {
    expect(await single(readerCheck(), context())).toEqual({
      status: 'ok',
      detail: 'standard input (nothing to check)',
    });
  });
});

describe('readerCheck: serial', () => {
  it('passes a device that opens, and closes it again', async () => {
    binding.createPort(PATH);
    const result = await single(readerCheck({ openSerial: mockOpener, clock }), serialContext());
    expect(result).toEqual({ status: 'ok', detail: `serial ${PATH} opens (rdm6300, 9600 baud)` });
    // Closed: the daemon can open it right after.
    const holder = await holdPort();
    holder.close();
  });

  it('fails on a device that does not exist', async () => {
    const result = await single(readerCheck({ openSerial: mockOpener, clock }), serialContext());
    expect(result.status).toBe('fail');
    expect(result.detail).toContain(`serial ${PATH} does not exist`);
    expect(result.fix).toContain('reader.path');
  });

  it('passes a device held by a daemon whose heartbeat is fresh', async () => {
    binding.createPort(PATH);
    const holder = await holdPort();
    const ctx = serialContext();
    daemonHeartbeat(ctx, 5_000);
    const result = await single(readerCheck({ openSerial: mockOpener, clock }), ctx);
    expect(result).toEqual({ status: 'ok', detail: `serial ${PATH} in use (probably by the daemon)` });
    holder.close();
  });

  it('fails on a held device when the daemon is not running', async () => {
    binding.createPort(PATH);
    const holder = await holdPort();
    const ctx = serialContext();
    daemonHeartbeat(ctx, HEARTBEAT_STALE_MS + 1);
    const result = await single(readerCheck({ openSerial: mockOpener, clock }), ctx);
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('held by another process');
    expect(result.fix).toContain('`systemctl is-active moco-timeclock`');
    holder.close();
  });

  it('fails on a held device when there is no database to ask', async () => {
    binding.createPort(PATH);
    const holder = await holdPort();
    const result = await single(readerCheck({ openSerial: mockOpener, clock }), serialContext());
    expect(result.status).toBe('fail');
    holder.close();
  });

  it('tells to join group dialout on permission denied', async () => {
    const openSerial = async () => {
      throw new Error(`Error: Permission denied, cannot open ${PATH}`);
    };
    const result = await single(readerCheck({ openSerial, identity, clock }), serialContext());
    expect(result.status).toBe('fail');
    expect(result.detail).toContain(`moco-timeclock may not open serial ${PATH}`);
    expect(result.fix).toBe(
      'add the user to group dialout: sudo usermod -aG dialout moco-timeclock, then restart the service',
    );
  });
});

function fakeHid(devices: HidDeviceInfo[] | Error) {
  const drivers: string[] = [];
  const hid: HidModule = {
    setDriverType: (type) => drivers.push(type),
    devicesAsync: async () => {
      if (devices instanceof Error) throw devices;
      return devices;
    },
    HIDAsync: {
      open: async () => {
        throw new Error('the doctor must not open the device');
      },
    },
  };
  return { drivers, loadHid: async () => hid };
}

const READER = { vendorId: 0xffff, productId: 0x0035, path: '1-1.2:1.0', usagePage: 1, usage: 6 };
const KEYBOARD = { vendorId: 0x046d, productId: 0xc31c, path: '1-1.3:1.0' };

describe('readerCheck: hid', () => {
  const hidContext = (extra = '') =>
    context(`reader:\n  type: hid\n  vendorId: "ffff"\n  productId: "0035"\n${extra}`);

  it('finds the configured vendor and product among the devices, with the configured driver', async () => {
    const { drivers, loadHid } = fakeHid([KEYBOARD, READER]);
    const result = await single(readerCheck({ loadHid }), hidContext('  hidDriver: hidraw\n'));
    expect(result).toEqual({ status: 'ok', detail: 'USB HID ffff:0035 found at 1-1.2:1.0 (driver hidraw)' });
    expect(drivers).toEqual(['hidraw']);
  });

  it('finds a device by its configured path', async () => {
    const { loadHid } = fakeHid([KEYBOARD, READER]);
    const result = await single(
      readerCheck({ loadHid }),
      context('reader:\n  type: hid\n  path: 1-1.3:1.0\n'),
    );
    expect(result.status).toBe('ok');
    expect(result.detail).toContain('1-1.3:1.0');
  });

  it('fails when the reader is not plugged in', async () => {
    const { loadHid } = fakeHid([KEYBOARD]);
    const result = await single(readerCheck({ loadHid }), hidContext());
    expect(result.status).toBe('fail');
    expect(result.detail).toBe('no USB HID device ffff:0035 among the 1 connected (driver libusb)');
    expect(result.fix).toContain('lsusb');
  });

  it('tells to install libusb when node-hid cannot load it', async () => {
    const { loadHid } = fakeHid(
      new Error('libusb-1.0.so.0: cannot open shared object file: No such file or directory'),
    );
    const result = await single(readerCheck({ loadHid }), hidContext());
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('node-hid cannot load its native library');
    expect(result.fix).toBe('sudo apt-get install libusb-1.0-0');
  });

  it('tells to rebuild node-hid when its module does not load for another reason', async () => {
    const loadHid = async (): Promise<HidModule> => {
      throw new Error('The module was compiled against a different Node.js version');
    };
    const result = await single(readerCheck({ loadHid }), hidContext());
    expect(result.fix).toContain('npm rebuild node-hid');
  });
});
