import { isHeartbeatFresh } from '../heartbeat.js';
import { parseUsbId, type ReaderConfig } from '../readers/config.js';
import type { HidModule } from '../readers/hid-reader.js';
import { LIBUSB_INSTALL, selectHidDevice } from '../readers/hid-reader.js';
import { importHid, importSerialPort } from '../readers/native.js';
import { classifySerialOpenError } from '../readers/open-failure.js';
import type { SerialPortConstructor } from '../readers/serial-reader.js';
import { readDaemonStatus } from '../store/status.js';
import { type Clock, systemClock } from '../time/clock.js';
import { type Check, type CheckResult, type DoctorContext, fail, ok } from './checks.js';
import { currentUserName, type Identity, systemIdentity } from './identity.js';

/** Opens the port and closes it again; rejects with the open error. */
export type SerialOpener = (path: string, baudRate: number) => Promise<void>;

export interface ReaderCheckDeps {
  openSerial?: SerialOpener;
  loadHid?: () => Promise<HidModule>;
  identity?: Identity;
  clock?: Clock;
}

export function serialPortOpener(
  load: () => Promise<SerialPortConstructor> = importSerialPort,
): SerialOpener {
  return async (path, baudRate) => {
    const SerialPort = await load();
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    await new Promise<void>((resolve) => port.close(() => resolve()));
  };
}

/** Whether the configured reader can be opened by this user, without reading a badge. */
export function readerCheck(deps: ReaderCheckDeps = {}): Check {
  const openSerial = deps.openSerial ?? serialPortOpener();
  const loadHid = deps.loadHid ?? importHid;
  const identity = deps.identity ?? systemIdentity();
  const clock = deps.clock ?? systemClock;
  return {
    name: 'reader',
    async run(ctx) {
      const reader = ctx.config.reader;
      switch (reader.type) {
        case 'stdin':
          return ok('standard input (nothing to check)');
        case 'serial':
          return checkSerial(ctx, reader, openSerial, identity, clock);
        case 'hid':
          return checkHid(reader, loadHid);
      }
    },
  };
}

async function checkSerial(
  ctx: DoctorContext,
  reader: ReaderConfig,
  openSerial: SerialOpener,
  identity: Identity,
  clock: Clock,
): Promise<CheckResult> {
  const path = reader.path ?? '';
  try {
    await openSerial(path, reader.baudRate);
    return ok(`serial ${path} opens (${reader.protocol}, ${reader.baudRate} baud)`);
  } catch (error) {
    const failure = classifySerialOpenError(error);
    switch (failure.kind) {
      case 'busy':
        if (daemonRunning(ctx, clock)) return ok(`serial ${path} in use (probably by the daemon)`);
        return fail(
          `serial ${path} is held by another process (${failure.message})`,
          `held by the running daemon? (\`systemctl is-active moco-timeclock\`); otherwise \`sudo fuser -v ${path}\` names the holder`,
        );
      case 'permission': {
        const user = currentUserName(identity);
        return fail(
          `${user} may not open serial ${path} (${failure.message})`,
          `add the user to group dialout: sudo usermod -aG dialout ${user}, then restart the service`,
        );
      }
      case 'missing':
        return fail(
          `serial ${path} does not exist (${failure.message})`,
          'plug the reader in, or correct reader.path (`ls -l /dev/serial/by-id/` lists USB serial devices)',
        );
      case 'other':
        return fail(
          `cannot open serial ${path} (${failure.message})`,
          'check reader.path and reader.baudRate; `moco-timeclock reader test` shows what the reader sends',
        );
    }
  }
}

function daemonRunning(ctx: DoctorContext, clock: Clock): boolean {
  if (ctx.found.db === null) return false;
  const status = readDaemonStatus(ctx.found.db);
  return status !== null && isHeartbeatFresh(status, clock.now());
}

// node-hid loads its native binding (linked against libusb-1.0.so.0) on the first call.
const LIBRARY_ERROR = /libusb|cannot open shared object/i;

async function checkHid(reader: ReaderConfig, loadHid: () => Promise<HidModule>): Promise<CheckResult> {
  const selector = {
    path: reader.path,
    vendorId: parseUsbId('vendorId', reader.vendorId),
    productId: parseUsbId('productId', reader.productId),
  };
  const wanted = reader.path ?? `${reader.vendorId}:${reader.productId}`;
  let devices: Awaited<ReturnType<HidModule['devicesAsync']>>;
  try {
    const hid = await loadHid();
    hid.setDriverType(reader.hidDriver);
    devices = await hid.devicesAsync();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail(
      `node-hid cannot load its native library (${message})`,
      LIBRARY_ERROR.test(message)
        ? LIBUSB_INSTALL
        : 'reinstall moco-timeclock so node-hid is built for this Node.js (npm rebuild node-hid)',
    );
  }
  const device = selectHidDevice(devices, selector);
  if (device === undefined) {
    return fail(
      `no USB HID device ${wanted} among the ${devices.length} connected (driver ${reader.hidDriver})`,
      reader.path === null
        ? 'plug the reader in; `lsusb` shows its id as vendor:product, which reader.vendorId and reader.productId must match'
        : 'plug the reader in, or correct reader.path',
    );
  }
  return ok(
    `USB HID ${wanted} found${device.path === undefined ? '' : ` at ${device.path}`} (driver ${reader.hidDriver})`,
  );
}
