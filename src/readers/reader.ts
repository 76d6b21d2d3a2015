/** Whether the reader device is there. A disconnected reader is an idle state, not a crash. */
export type ReaderState = 'connected' | 'disconnected';

/**
 * Every card reader (stdin, serial, USB HID) emits UID strings through this interface.
 * `onUid` receives the UID as the reader reported it; normalisation happens after the reader.
 */
export interface CardReader {
  start(onUid: (uid: string) => void, onState: (state: ReaderState) => void): Promise<void>;
  stop(): Promise<void>;
}
