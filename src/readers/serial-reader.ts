import type { Logger } from '../log.js';
import type { Timers } from '../time/timers.js';
import { decodeLines, initialLineState } from './lines.js';
import { classifySerialOpenError, type OpenFailure } from './open-failure.js';
import { decodeRdm6300 } from './rdm6300.js';
import type { CardReader, ReaderState } from './reader.js';
import { detach, Reconnector } from './reconnector.js';
import type { Dropped } from './types.js';

/** The part of serialport's SerialPort (and SerialPortMock) the reader uses. */
export interface SerialPortLike {
  open(callback: (error: Error | null) => void): void;
  close(callback?: (error: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: (error: Error | null) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeAllListeners(): unknown;
  readonly isOpen: boolean;
}

export type SerialPortConstructor = new (options: {
  path: string;
  baudRate: number;
  autoOpen: false;
}) => SerialPortLike;

export interface SerialReaderOptions {
  path: string;
  baudRate: number;
  protocol: 'rdm6300' | 'line';
  SerialPort: SerialPortConstructor;
  logger: Logger;
  timers: Timers;
  /** Called on every failed open attempt; `reader test` uses it to explain a busy device. */
  onOpenFailure?: (failure: OpenFailure) => void;
}

type ChunkDecoder = (chunk: Buffer) => { uids: string[]; dropped: Dropped[] };

function createChunkDecoder(protocol: 'rdm6300' | 'line'): ChunkDecoder {
  if (protocol === 'rdm6300') {
    let rest: Buffer = Buffer.alloc(0);
    return (chunk) => {
      const result = decodeRdm6300(rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk);
      rest = result.rest;
      return result;
    };
  }
  let state = initialLineState();
  return (chunk) => {
    const result = decodeLines(chunk, state);
    state = result.state;
    return result;
  };
}

/**
 * A reader on a serial port. A missing or unplugged device is not an error: the reader reports
 * 'disconnected' and reopens the port with backoff until the device is back.
 */
export class SerialReader implements CardReader {
  private readonly logger: Logger;
  private readonly link: Reconnector;
  private port: SerialPortLike | null = null;
  private onUid: (uid: string) => void = () => {};

  constructor(private readonly options: SerialReaderOptions) {
    this.logger = options.logger.child({ path: options.path });
    this.link = new Reconnector({
      timers: options.timers,
      logger: this.logger,
      reopen: () => this.open(),
      onOpenFailure: options.onOpenFailure,
    });
  }

  /** Resolves after the first open attempt, whether or not the device was there. */
  async start(onUid: (uid: string) => void, onState: (state: ReaderState) => void): Promise<void> {
    this.onUid = onUid;
    this.link.start(onState);
    await this.open();
  }

  async stop(): Promise<void> {
    this.link.stop();
    const port = this.port;
    this.port = null;
    if (port === null) return;
    detach(port);
    if (!port.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private async open(): Promise<void> {
    const { path, baudRate, protocol, SerialPort } = this.options;
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    const error = await new Promise<Error | null>((resolve) => port.open(resolve));
    if (!this.link.running) {
      if (error === null) port.close();
      return;
    }
    if (error !== null) {
      this.link.openFailed(classifySerialOpenError(error));
      return;
    }
    this.port = port;
    const decode = createChunkDecoder(protocol);
    port.on('data', (chunk: Buffer) => this.handleChunk(decode, chunk));
    port.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'serial port error'));
    port.on('close', (err: Error | null) => this.closed(port, err));
    this.link.connected({ baudRate, protocol });
  }

  private handleChunk(decode: ChunkDecoder, chunk: Buffer): void {
    const { uids, dropped } = decode(chunk);
    for (const drop of dropped) {
      // A line reader sends whole lines, so a bad one is worth a warning; RDM6300 noise is routine.
      if (this.options.protocol === 'line') this.logger.warn(drop, 'line dropped');
      else this.logger.debug(drop, 'frame dropped');
    }
    for (const uid of uids) this.onUid(uid);
  }

  private closed(port: SerialPortLike, error: Error | null): void {
    if (!this.link.running || this.port !== port) return;
    this.port = null;
    detach(port);
    this.link.lost(error?.message);
  }
}
