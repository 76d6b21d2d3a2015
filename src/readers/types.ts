/** A frame or line a decoder threw away, for a debug or warn log line. */
export interface Dropped {
  reason: string;
  /** Bytes (serial) or characters (keyboard) that were thrown away. */
  length: number;
}
