/** The `reader` section of the configuration file, after defaults are applied. */
export interface ReaderConfig {
  type: 'stdin' | 'serial' | 'hid';
  /** serial: device path; hid: optional hidraw/libusb path used instead of vendorId/productId. */
  path: string | null;
  /** serial only. */
  baudRate: number;
  /** serial only. */
  protocol: 'rdm6300' | 'line';
  /** hid: hex string as lsusb prints it, e.g. "ffff". */
  vendorId: string | null;
  /** hid: hex string as lsusb prints it, e.g. "0035". */
  productId: string | null;
  hidDriver: 'libusb' | 'hidraw';
  /** hid: a pause longer than this without Enter discards the partial UID. */
  interKeyTimeoutMs: number;
}

/** The `uid` section of the configuration file. */
export interface UidConfig {
  format: 'as-read' | 'hex' | 'decimal';
  reverseBytes: boolean;
}

/** A frame or line a decoder threw away, for a debug or warn log line. */
export interface Dropped {
  reason: string;
  /** Bytes (serial) or characters (keyboard) that were thrown away. */
  length: number;
}
