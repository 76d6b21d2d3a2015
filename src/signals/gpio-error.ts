/** Why the gpio driver cannot drive the outputs; the daemon falls back to logging the signals. */
export type GpioUnavailableCode =
  | 'no_sysfs_gpio'
  | 'permission'
  | 'bad_pin'
  | 'busy'
  | 'load_failed'
  | 'failed';

export class GpioUnavailableError extends Error {
  readonly code: GpioUnavailableCode;

  constructor(code: GpioUnavailableCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GpioUnavailableError';
    this.code = code;
  }
}
