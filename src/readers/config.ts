import { z } from 'zod';
import { filePath } from '../config/fields.js';

/** A USB vendor or product id as lsusb prints it: `ffff`, `0x08ff`. */
const USB_ID = /^(0x)?[0-9a-fA-F]{1,4}$/;

const usbId = z.string().regex(USB_ID, 'must be a 1-4 digit hex id as lsusb prints it, e.g. "ffff"');

/** The `reader` section of the configuration file. */
export const readerConfigSchema = z.strictObject({
  type: z.enum(['stdin', 'serial', 'hid']).default('stdin'),
  /** serial: device path; hid: optional hidraw/libusb path used instead of vendorId/productId. */
  path: filePath.nullable().default(null),
  /** serial only. */
  baudRate: z.number().int().min(300).max(921_600).default(9600),
  /** serial only. */
  protocol: z.enum(['rdm6300', 'line']).default('rdm6300'),
  /** hid: e.g. "ffff". */
  vendorId: usbId.nullable().default(null),
  /** hid: e.g. "0035". */
  productId: usbId.nullable().default(null),
  hidDriver: z.enum(['libusb', 'hidraw']).default('libusb'),
  /** hid: a pause longer than this without Enter discards the partial UID. */
  interKeyTimeoutMs: z.number().int().min(20).max(5000).default(200),
});

/** The `uid` section: the form a UID is brought to (readers/uid.ts). */
export const uidConfigSchema = z.strictObject({
  format: z.enum(['as-read', 'hex', 'decimal']).default('as-read'),
  reverseBytes: z.boolean().default(false),
});

export type ReaderConfig = z.output<typeof readerConfigSchema>;
export type UidConfig = z.output<typeof uidConfigSchema>;

/** A configured USB vendor or product id as a number; one that did not come through the schema is refused. */
export function parseUsbId(name: string, value: string | null): number | null {
  if (value === null) return null;
  if (!USB_ID.test(value)) throw new Error(`reader.${name} must be a hex id as lsusb prints it, e.g. "ffff"`);
  return Number.parseInt(value.replace(/^0x/i, ''), 16);
}
