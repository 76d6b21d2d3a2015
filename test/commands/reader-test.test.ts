import { PassThrough } from 'node:stream';
import { SerialPortMock } from 'serialport';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatUidLine, runReaderTest } from '../../src/commands/reader-test.js';
import { CliError } from '../../src/exit.js';
import type { ReaderConfig, UidConfig } from '../../src/readers/config.js';
import { configWith } from '../config/build.js';
import { captureLogger } from '../fakes/logger.js';
import { ManualTimers } from '../fakes/timers.js';

const STDIN = configWith().reader;
const SERIAL = configWith({ reader: { type: 'serial', path: '/dev/serial0' } }).reader;
const AS_READ = configWith().uid;

function output() {
  let text = '';
  return { out: { write: (chunk: string) => (text += chunk) }, text: () => text };
}

function run(
  reader: ReaderConfig,
  uid: UidConfig,
  extra: { stdin?: PassThrough; signal?: AbortSignal } = {},
) {
  const { out, text } = output();
  const done = runReaderTest({
    reader,
    uid,
    logger: captureLogger().logger,
    out,
    signal: extra.signal ?? new AbortController().signal,
    readerDeps: {
      stdin: extra.stdin,
      timers: new ManualTimers(),
      loadSerialPort: async () => SerialPortMock,
    },
  });
  return { done, text };
}

afterEach(() => SerialPortMock.binding.reset());

describe('formatUidLine', () => {
  it.each([
    ['0A00123456', '0A00123456', 'UID 0A00123456'],
    ['0A00123456', '0001193046', 'UID 0001193046 (read 0A00123456)'],
    ['XYZ', null, 'XYZ: not a UID in uid.format decimal, a tap would be ignored'],
  ])('%s normalised to %s', (raw, normalized, line) => {
    expect(formatUidLine(raw, normalized, 'decimal')).toBe(line);
  });
});

describe('runReaderTest', () => {
  it('prints each normalised UID with the raw value, until standard input ends', async () => {
    const stdin = new PassThrough();
    const { done, text } = run(STDIN, { format: 'decimal', reverseBytes: false }, { stdin });
    stdin.end('0a00123456\n0001193046\n');
    await done;
    expect(text().split('\n')).toEqual([
      'reading from standard input, uid.format decimal; Ctrl-C to stop',
      'reader connected',
      'UID 0001193046 (read 0A00123456)',
      'UID 0001193046',
      'reader disconnected',
      '',
    ]);
  });

  it('runs until aborted and then closes the device', async () => {
    SerialPortMock.binding.createPort('/dev/serial0');
    const controller = new AbortController();
    const { done, text } = run(SERIAL, AS_READ, { signal: controller.signal });
    await vi.waitFor(() => expect(text()).toContain('reader connected'));
    controller.abort();
    await done;
    // The port is free again: another process can open it.
    const next = new SerialPortMock({ path: '/dev/serial0', baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => next.open((err) => (err ? reject(err) : resolve())));
    next.close();
  });

  it('explains a busy device with the daemon hint and fails', async () => {
    SerialPortMock.binding.createPort('/dev/serial0');
    const daemon = new SerialPortMock({ path: '/dev/serial0', baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => daemon.open((err) => (err ? reject(err) : resolve())));
    const { done } = run(SERIAL, AS_READ);
    await expect(done).rejects.toBeInstanceOf(CliError);
    await expect(done).rejects.toThrow(/probably the running daemon.*sudo systemctl stop moco-timeclock/);
    daemon.close();
  });

  it('says once that it waits for a missing device, and keeps waiting', async () => {
    const controller = new AbortController();
    const { done, text } = run(SERIAL, AS_READ, { signal: controller.signal });
    await vi.waitFor(() => expect(text()).toContain('waiting for it to be plugged in'));
    controller.abort();
    await done;
    expect(text().match(/waiting/g)).toHaveLength(1);
  });

  it('turns a reader that cannot be created into a one-line CLI error', async () => {
    const { done } = run({ ...STDIN, type: 'hid', vendorId: 'zz', productId: '1' }, AS_READ);
    await expect(done).rejects.toThrow(CliError);
  });
});
