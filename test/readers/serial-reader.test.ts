import { SerialPortMock } from 'serialport';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OpenFailure } from '../../src/readers/open-failure.js';
import { SerialReader } from '../../src/readers/serial-reader.js';
import { captureLogger } from '../fakes/logger.js';
import { ManualTimers } from '../fakes/timers.js';
import { DEBUG, recorder, WARN } from './helpers.js';

// SerialPortMock and its binding come from the same (CommonJS) copy of @serialport/binding-mock.
const binding = SerialPortMock.binding;
const PATH = '/dev/serial/by-id/usb-rdm6300';
const FRAME = Buffer.from('0231413030383446303742313503', 'hex'); // 1A0084F07B

let ports: SerialPortMock[] = [];

class RecordingPort extends SerialPortMock {
  constructor(options: { path: string; baudRate: number; autoOpen: false }) {
    super(options);
    ports.push(this);
  }
}

/** The mock device behind the port the reader opened last. */
function device() {
  const port = ports.findLast((p) => p.isOpen);
  if (port?.port === undefined) throw new Error('no open port');
  return port.port;
}

function setup(protocol: 'rdm6300' | 'line' = 'rdm6300') {
  const { logger, lines } = captureLogger();
  const timers = new ManualTimers();
  const failures: OpenFailure[] = [];
  const reader = new SerialReader({
    path: PATH,
    baudRate: 9600,
    protocol,
    SerialPort: RecordingPort,
    logger,
    timers,
    onOpenFailure: (failure) => failures.push(failure),
  });
  return { reader, lines, timers, failures, events: recorder() };
}

beforeEach(() => {
  binding.reset();
  ports = [];
});

afterEach(() => {
  binding.reset();
});

describe('SerialReader', () => {
  it('opens the port and emits UIDs from RDM6300 frames split across chunks', async () => {
    binding.createPort(PATH);
    const { reader, events } = setup();
    await reader.start(events.onUid, events.onState);
    expect(events.states).toEqual(['connected']);

    device().emitData(FRAME.subarray(0, 5));
    device().emitData(Buffer.concat([FRAME.subarray(5), Buffer.from([0xff]), FRAME]));
    await vi.waitFor(() => expect(events.uids).toEqual(['1A0084F07B', '1A0084F07B']));
    await reader.stop();
  });

  it('logs dropped RDM6300 frames at debug level', async () => {
    binding.createPort(PATH);
    const { reader, events, lines } = setup();
    await reader.start(events.onUid, events.onState);
    device().emitData(Buffer.from('0231413030383446303742313603', 'hex'));
    device().emitData(FRAME);
    await vi.waitFor(() => expect(events.uids).toEqual(['1A0084F07B']));
    expect(lines.filter((l) => l.msg === 'frame dropped')).toEqual([
      expect.objectContaining({ level: DEBUG, reason: 'bad checksum', path: PATH }),
    ]);
    await reader.stop();
  });

  it('reads the line protocol and warns about bad lines', async () => {
    binding.createPort(PATH);
    const { reader, events, lines } = setup('line');
    await reader.start(events.onUid, events.onState);
    device().emitData('04a23b1c\r\n04 A2\r\n0001193046\n');
    await vi.waitFor(() => expect(events.uids).toEqual(['04A23B1C', '0001193046']));
    expect(lines.filter((l) => l.msg === 'line dropped')).toEqual([
      expect.objectContaining({ level: WARN, reason: 'invalid characters' }),
    ]);
    await reader.stop();
  });

  it('treats a missing device at start-up as disconnected and opens it once it appears', async () => {
    const { reader, events, timers, lines, failures } = setup();
    await reader.start(events.onUid, events.onState);
    expect(events.states).toEqual(['disconnected']);
    expect(failures.map((f) => f.kind)).toEqual(['missing']);

    timers.fire();
    await vi.waitFor(() => expect(timers.pendingCount).toBe(1));
    timers.fire();
    await vi.waitFor(() => expect(timers.delays).toEqual([500, 1000, 2000]));

    binding.createPort(PATH);
    timers.fire();
    await vi.waitFor(() => expect(events.states).toEqual(['disconnected', 'connected']));
    expect(timers.pendingCount).toBe(0);
    // One warning for the outage, the retries only at debug level.
    expect(lines.filter((l) => l.level >= WARN).map((l) => l.reason)).toEqual(['missing']);
    expect(lines.filter((l) => l.msg === 'reader still unavailable')).toHaveLength(2);

    device().emitData(FRAME);
    await vi.waitFor(() => expect(events.uids).toEqual(['1A0084F07B']));
    await reader.stop();
  });

  it('reports an unplug once, reopens with backoff and reads again after the replug', async () => {
    binding.createPort(PATH);
    const { reader, events, timers, lines } = setup();
    await reader.start(events.onUid, events.onState);
    const first = ports.at(-1)!;

    binding.reset(); // the device node disappears
    first.close();
    await vi.waitFor(() => expect(events.states).toEqual(['connected', 'disconnected']));
    expect(lines.filter((l) => l.msg === 'reader device lost')).toHaveLength(1);

    timers.fire(); // device still gone
    await vi.waitFor(() => expect(timers.delays).toEqual([500, 1000]));
    binding.createPort(PATH);
    timers.fire();
    await vi.waitFor(() => expect(events.states).toEqual(['connected', 'disconnected', 'connected']));

    device().emitData(FRAME);
    await vi.waitFor(() => expect(events.uids).toEqual(['1A0084F07B']));

    // A successful open starts the backoff from the beginning again.
    ports.at(-1)!.close();
    await vi.waitFor(() => expect(timers.delays).toEqual([500, 1000, 500]));
    await reader.stop();
  });

  it('doubles the retry delay up to 10 seconds', async () => {
    const { reader, events, timers } = setup();
    await reader.start(events.onUid, events.onState);
    for (let i = 1; i < 8; i++) {
      timers.fire();
      await vi.waitFor(() => expect(timers.delays).toHaveLength(i + 1));
    }
    expect(timers.delays).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    expect(events.states).toEqual(['disconnected']);
    await reader.stop();
  });

  it('reports a port held by another process as busy, with the hint to stop the daemon', async () => {
    binding.createPort(PATH);
    const holder = new SerialPortMock({ path: PATH, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => holder.open((err) => (err ? reject(err) : resolve())));

    const { reader, events, failures, lines } = setup();
    await reader.start(events.onUid, events.onState);
    expect(failures.map((f) => f.kind)).toEqual(['busy']);
    const warning = lines.find((l) => l.level === WARN);
    expect(warning?.msg).toContain('sudo systemctl stop moco-timeclock');
    await reader.stop();
    holder.close();
  });

  it('stops: closes the port, cancels the retry and reports nothing more', async () => {
    binding.createPort(PATH);
    const { reader, events, timers } = setup();
    await reader.start(events.onUid, events.onState);
    const port = ports.at(-1)!;
    await reader.stop();
    expect(port.isOpen).toBe(false);
    expect(timers.pendingCount).toBe(0);
    expect(events.states).toEqual(['connected']);
  });

  it('stops while waiting for a missing device without retrying', async () => {
    const { reader, events, timers } = setup();
    await reader.start(events.onUid, events.onState);
    expect(timers.pendingCount).toBe(1);
    await reader.stop();
    expect(timers.pendingCount).toBe(0);
  });
});
