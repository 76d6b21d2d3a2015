import type { Logger } from '../log.js';
import { decodeLines, flushLines, initialLineState, type LineResult } from './lines.js';
import type { CardReader, ReaderState } from './reader.js';

export interface StdinReaderOptions {
  input: NodeJS.ReadableStream;
  logger: Logger;
}

interface Handlers {
  data: (chunk: Buffer | string) => void;
  end: () => void;
  error: (error: Error) => void;
}

/** One UID per line on standard input, as a keyboard-wedge reader types it into a terminal. */
export class StdinReader implements CardReader {
  private readonly input: NodeJS.ReadableStream;
  private readonly logger: Logger;
  private state = initialLineState();
  private handlers: Handlers | null = null;

  constructor(options: StdinReaderOptions) {
    this.input = options.input;
    this.logger = options.logger;
  }

  async start(onUid: (uid: string) => void, onState: (state: ReaderState) => void): Promise<void> {
    const emit = (result: LineResult) => {
      this.state = result.state;
      for (const drop of result.dropped) this.logger.warn(drop, 'line dropped');
      for (const uid of result.uids) onUid(uid);
    };
    let ended = false;
    const finish = (message: string, fields: Record<string, unknown>) => {
      if (ended) return;
      ended = true;
      emit(flushLines(this.state));
      this.logger.warn(fields, message);
      onState('disconnected');
    };
    this.handlers = {
      data: (chunk) => emit(decodeLines(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, this.state)),
      end: () => finish('standard input ended, no more UIDs will be read', {}),
      error: (error) => finish('standard input failed', { err: error.message }),
    };
    this.input.on('data', this.handlers.data);
    this.input.on('end', this.handlers.end);
    this.input.on('error', this.handlers.error);
    onState('connected');
  }

  async stop(): Promise<void> {
    const handlers = this.handlers;
    this.handlers = null;
    if (handlers === null) return;
    this.input.removeListener('data', handlers.data);
    this.input.removeListener('end', handlers.end);
    this.input.removeListener('error', handlers.error);
    // A stream error after stopping must not crash the process.
    this.input.on('error', () => {});
    // Paused, standard input no longer keeps the process alive.
    this.input.pause();
  }
}
