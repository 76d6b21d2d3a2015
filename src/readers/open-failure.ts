import { errorMessage } from '../error-message.js';
/** Why a reader device could not be opened, so callers can tell the operator what to do. */
export interface OpenFailure {
  kind: 'missing' | 'busy' | 'permission' | 'other';
  message: string;
}

// Messages from @serialport/bindings-cpp ("Error: <strerror>, cannot open <path>",
// "Error <strerror> Cannot lock port") and from @serialport/binding-mock.
const SERIAL_PATTERNS: [OpenFailure['kind'], RegExp][] = [
  ['busy', /resource busy|EBUSY|Cannot lock port|Port is locked/i],
  ['permission', /permission denied|EACCES/i],
  ['missing', /no such file|ENOENT|does not exist|no such device/i],
];

export function classifySerialOpenError(error: unknown): OpenFailure {
  const message = errorMessage(error);
  const match = SERIAL_PATTERNS.find(([, pattern]) => pattern.test(message));
  return { kind: match?.[0] ?? 'other', message };
}

/** One sentence for the operator on what the failure means and what to do. */
export function describeOpenFailure(failure: OpenFailure): string {
  switch (failure.kind) {
    case 'busy':
      return (
        'the reader device is busy: another process holds it, probably the running daemon ' +
        '(stop it first: sudo systemctl stop moco-timeclock); if no daemon runs, check the device permissions'
      );
    case 'permission':
      return 'permission denied on the reader device: add the service user to the dialout group or install the udev rule (scripts/install.sh --vendor V --product P)';
    case 'missing':
      return 'reader device not found, waiting for it to be plugged in';
    case 'other':
      return 'cannot open the reader device, retrying';
  }
}
