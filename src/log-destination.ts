import { Socket } from 'node:net';
import type { DestinationStream } from 'pino';

/**
 * Where the daemon's lines go when stdout is a pipe or a socket (journald's, under systemd) or a
 * terminal: Node's own stdout stream, which writes at once on the event loop's thread and queues
 * in memory only when the reader is behind, so a stalled journald never blocks a tap. pino's
 * default (sonic-boom, asynchronous) hands every line to libuv's thread pool: a thread to wake
 * between a tap's answer and its `scan` line (bench/README.md). Undefined for a file, where a
 * write can block on the disk: pino's default stays.
 */
export function stdoutDestination(
  stdout: NodeJS.WriteStream = process.stdout,
): DestinationStream | undefined {
  if (!(stdout instanceof Socket)) return undefined;
  // A log nobody reads any more (the reader gone: EPIPE) must not take the time clock down.
  stdout.on('error', () => {});
  return stdout;
}

/** How long a hard exit waits for the lines stdout still queues: journald behind, not stalled. */
export const LOG_FLUSH_MS = 1_000;

/**
 * Ends the process with `code` once stdout has written what it queues, or after `waitMs` if its
 * reader is stalled. A hard exit (a crash, a stop that hangs) would otherwise drop the queued
 * lines, the `fatal` line that says why among them. An empty write's callback comes after every
 * write before it.
 */
export function exitOnceLogged(
  code: number,
  options: {
    stdout?: NodeJS.WritableStream & { writableLength: number };
    exit?: (code: number) => void;
    waitMs?: number;
  } = {},
): void {
  const { stdout = process.stdout, exit = (c: number) => process.exit(c), waitMs = LOG_FLUSH_MS } = options;
  if (stdout.writableLength === 0) {
    exit(code);
    return;
  }
  let exited = false;
  const end = () => {
    if (exited) return;
    exited = true;
    exit(code);
  };
  setTimeout(end, waitMs);
  stdout.write('', end);
}
