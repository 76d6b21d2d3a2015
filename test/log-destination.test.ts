import { createWriteStream } from 'node:fs';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exitOnceLogged, LOG_FLUSH_MS, stdoutDestination } from '../src/log-destination.js';

describe('stdoutDestination', () => {
  it("writes to a pipe's or socket's stdout stream itself, and outlives its reader going away", () => {
    const stdout = new Socket() as unknown as NodeJS.WriteStream;
    expect(stdoutDestination(stdout)).toBe(stdout);
    const gone = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    expect(() => stdout.emit('error', gone)).not.toThrow();
  });

  it("leaves a file to pino's own destination, which does not block on the disk", () => {
    const file = createWriteStream('/dev/null') as unknown as NodeJS.WriteStream;
    expect(stdoutDestination(file)).toBeUndefined();
    file.destroy();
  });
});

/** A stdout whose reader takes each write only when the test says so. */
function stalledStdout() {
  const taken: Array<() => void> = [];
  const stdout = new Writable({
    highWaterMark: 1 << 20,
    write(_chunk, _encoding, done) {
      taken.push(done);
    },
  });
  const takeAll = () => {
    while (taken.length > 0) taken.shift()?.();
  };
  return { stdout, takeAll };
}

describe('exitOnceLogged', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('exits at once when stdout queues nothing', () => {
    const exit = vi.fn();
    exitOnceLogged(1, { stdout: new Writable({ write: (_c, _e, done) => done() }), exit });
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('waits for the queued fatal line to be written before exiting', async () => {
    const { stdout, takeAll } = stalledStdout();
    const exit = vi.fn();
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    stdout.write('{"level":60,"msg":"uncaught error"}\n');
    exitOnceLogged(1, { stdout, exit, waitMs: 60_000 });
    await turn();
    expect(exit).not.toHaveBeenCalled();
    for (let i = 0; i < 3; i += 1) {
      takeAll();
      await turn();
    }
    expect(exit).toHaveBeenCalledWith(1);
    expect(exit).toHaveBeenCalledTimes(1);
  });

  it('exits anyway, once, when the reader stays stalled', () => {
    vi.useFakeTimers();
    const { stdout, takeAll } = stalledStdout();
    const exit = vi.fn();
    stdout.write('a line journald never takes\n');
    exitOnceLogged(2, { stdout, exit });
    vi.advanceTimersByTime(LOG_FLUSH_MS - 1);
    expect(exit).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(exit).toHaveBeenCalledWith(2);
    takeAll();
    expect(exit).toHaveBeenCalledTimes(1);
  });
});
