import { errorMessage } from '../error-message.js';
import type { Logger } from '../log.js';
import type { Clock } from '../time/clock.js';
import type { Timers } from '../time/timers.js';
import { decodeHidReport, type HidDecoderState, initialHidState } from './hid-keyboard.js';
import type { OpenFailure } from './open-failure.js';
import type { CardReader, ReaderState } from './reader.js';
import { detach, Reconnector } from './reconnector.js';

/** What node-hid reports about a device; only the fields used to pick one. */
export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  path?: string;
  usagePage?: number;
  usage?: number;
}

/** The part of node-hid's HIDAsync the reader uses. */
export interface HidDevice {
  on(event: 'data', listener: (report: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeAllListeners(): unknown;
  close(): Promise<void>;
}

/** The part of the node-hid module the reader uses. */
export interface HidModule {
  setDriverType(type: 'libusb' | 'hidraw'): void;
  devicesAsync(): Promise<HidDeviceInfo[]>;
  HIDAsync: { open(path: string): Promise<HidDevice> };
}

export interface HidSelector {
  path: string | null;
  vendorId: number | null;
  productId: number | null;
}

export interface HidReaderOptions {
  hid: HidModule;
  selector: HidSelector;
  driver: 'libusb' | 'hidraw';
  interKeyTimeoutMs: number;
  logger: Logger;
  timers: Timers;
  /** Time source for the inter-key timeout; should not jump, so a monotonic clock. */
  clock: Clock;
  onOpenFailure?: (failure: OpenFailure) => void;
}

export const LIBUSB_INSTALL = 'sudo apt-get install libusb-1.0-0';

/** node-hid's native module could not load; nothing a retry fixes. */
export class HidLibraryError extends Error {
  constructor(cause: string) {
    super(`node-hid cannot load its native library (${cause}); install libusb: ${LIBUSB_INSTALL}`);
    this.name = 'HidLibraryError';
  }
}

// node-hid loads its binding on the first call; its prebuilt binaries link libusb-1.0.so.0.
const LIBRARY_LOAD_ERROR =
  /libusb|cannot open shared object|Could not locate the bindings|ERR_DLOPEN_FAILED/i;

const KEYBOARD_USAGE_PAGE = 0x01;
const KEYBOARD_USAGE = 0x06;

/** Picks the device the configuration means; a wedge reader's keyboard interface over its others. */
export function selectHidDevice(devices: HidDeviceInfo[], selector: HidSelector): HidDeviceInfo | undefined {
  const candidates = devices.filter((device) =>
    selector.path !== null
      ? device.path === selector.path
      : device.vendorId === selector.vendorId && device.productId === selector.productId,
  );
  return (
    candidates.find((d) => d.usagePage === KEYBOARD_USAGE_PAGE && d.usage === KEYBOARD_USAGE) ?? candidates[0]
  );
}

/**
 * A USB keyboard-wedge reader read directly, so badge numbers do not reach the console.
 * node-hid has no hot-plug events: a read error means the device is gone, and the reader polls
 * the device list with backoff until it is back.
 */
export class HidReader implements CardReader {
  private readonly logger: Logger;
  private readonly link: Reconnector;
  private device: HidDevice | null = null;
  private decoder: HidDecoderState = initialHidState();
  private onUid: (uid: string) => void = () => {};

  constructor(private readonly options: HidReaderOptions) {
    const { selector } = options;
    this.logger = options.logger.child(
      selector.path !== null
        ? { path: selector.path }
        : { vendorId: hex4(selector.vendorId), productId: hex4(selector.productId) },
    );
    this.link = new Reconnector({
      timers: options.timers,
      logger: this.logger,
      reopen: () => this.open(false),
      onOpenFailure: options.onOpenFailure,
    });
  }

  /** Rejects with HidLibraryError when node-hid cannot load; a missing device only means waiting. */
  async start(onUid: (uid: string) => void, onState: (state: ReaderState) => void): Promise<void> {
    this.onUid = onUid;
    // Must come before the first node-hid call, which loads the binding for the chosen driver.
    this.options.hid.setDriverType(this.options.driver);
    this.link.start(onState);
    await this.open(true);
  }

  async stop(): Promise<void> {
    this.link.stop();
    const device = this.device;
    this.device = null;
    if (device !== null) await closeQuietly(device);
  }

  private async open(first: boolean): Promise<void> {
    let devices: HidDeviceInfo[];
    try {
      devices = await this.options.hid.devicesAsync();
    } catch (error) {
      const message = errorMessage(error);
      if (first && LIBRARY_LOAD_ERROR.test(message)) {
        this.link.stop();
        throw new HidLibraryError(message);
      }
      this.link.openFailed({ kind: 'other', message });
      return;
    }
    if (!this.link.running) return;
    const info = selectHidDevice(devices, this.options.selector);
    if (info === undefined) {
      this.link.openFailed({ kind: 'missing', message: 'no matching HID device' });
      return;
    }
    const path = info.path ?? this.options.selector.path;
    if (path === null) {
      this.link.openFailed({ kind: 'other', message: 'the HID device has no path to open' });
      return;
    }
    let device: HidDevice;
    try {
      device = await this.options.hid.HIDAsync.open(path);
    } catch (error) {
      // hidapi says only "cannot open device": in practice another process holds it or permissions lack.
      this.link.openFailed({ kind: 'busy', message: errorMessage(error) });
      return;
    }
    if (!this.link.running) {
      await closeQuietly(device);
      return;
    }
    this.device = device;
    this.decoder = initialHidState();
    device.on('data', (report: Buffer) => this.handleReport(report));
    device.on('error', (error: Error) => void this.gone(device, error));
    this.link.connected({ hidPath: path, driver: this.options.driver });
  }

  private handleReport(report: Buffer): void {
    const { clock, interKeyTimeoutMs } = this.options;
    const result = decodeHidReport(report, this.decoder, clock.now(), interKeyTimeoutMs);
    this.decoder = result.state;
    for (const drop of result.dropped) this.logger.debug(drop, 'keystrokes dropped');
    for (const uid of result.uids) this.onUid(uid);
  }

  private async gone(device: HidDevice, error: Error): Promise<void> {
    if (this.device !== device) return;
    this.device = null;
    this.link.lost(error.message);
    await closeQuietly(device);
  }
}

async function closeQuietly(device: HidDevice): Promise<void> {
  detach(device);
  try {
    await device.close();
  } catch {
    // The device is already gone; closing it is only tidying up.
  }
}

function hex4(value: number | null): string | null {
  return value === null ? null : value.toString(16).padStart(4, '0');
}
