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
