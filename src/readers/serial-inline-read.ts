import { readSync } from 'node:fs';
import type { BindingInterface, BindingPortInterface } from '@serialport/bindings-cpp';

/** What reading needs of an open unix port of @serialport/bindings-cpp: its fd and its poller. */
export interface PollablePort {
  readonly fd: number | null;
  readonly isOpen: boolean;
  readonly poller: { once(event: 'readable', callback: (error: Error | null) => void): unknown };
}

/** read(2) on a non-blocking fd: the bytes read, or throws EAGAIN when there are none yet. */
export type ReadNow = (fd: number, buffer: Buffer, offset: number, length: number) => number;

const readNow: ReadNow = (fd, buffer, offset, length) => readSync(fd, buffer, offset, length, null);

/** The errors after which a read can succeed later; as bindings-cpp's own read treats them. */
const NOT_YET = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

/**
 * Reads what the port holds on this thread, and when it holds nothing waits for the binding's
 * poller. bindings-cpp's own read hands every read to libuv's thread pool (`fs.read`) after the
 * poller said the fd is readable: two more thread hand-offs between a frame and its tap, about
 * 0.25 ms at p50 and milliseconds at p99 on a 2-core machine (bench/README.md). The fd is opened
 * non-blocking by the binding, so the read returns at once. Errors mean what they mean to the
 * stream: `canceled` when the port was closed, anything else a disconnect.
 */
export async function readInline(
  port: PollablePort,
  buffer: Buffer,
  offset: number,
  length: number,
  read: ReadNow = readNow,
): Promise<{ bytesRead: number; buffer: Buffer }> {
  for (;;) {
    const fd = port.fd;
    if (!port.isOpen || fd === null) throw Object.assign(new Error('Port is not open'), { canceled: true });
    let bytesRead = 0;
    try {
      bytesRead = read(fd, buffer, offset, length);
    } catch (error) {
      if (!NOT_YET.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
    // Zero bytes is no end on a tty: bindings-cpp reads again too, here once the poller says so.
    if (bytesRead > 0) return { bytesRead, buffer };
    await new Promise<void>((resolve, reject) => {
      port.poller.once('readable', (error) => (error ? reject(error) : resolve()));
    });
  }
}

function isPollable(port: BindingPortInterface): port is BindingPortInterface & PollablePort {
  const candidate = port as Partial<PollablePort>;
  return typeof candidate.fd === 'number' && typeof candidate.poller?.once === 'function';
}

/**
 * The platform's binding, with the ports it opens reading through `readInline`. A port without an
 * fd and a poller (Windows) keeps the binding's own read.
 */
export function withInlineReads<T extends BindingInterface>(binding: T): T {
  return {
    ...binding,
    list: () => binding.list(),
    open: async (options: Parameters<T['open']>[0]) => {
      const port = await binding.open(options);
      if (isPollable(port)) {
        port.read = (buffer: Buffer, offset: number, length: number) =>
          readInline(port, buffer, offset, length);
      }
      return port;
    },
  };
}
