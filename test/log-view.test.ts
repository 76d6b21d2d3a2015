import { describe, expect, it } from 'vitest';
import { commandLine, demoLine, logView } from '../src/log-view.js';

describe('log view', () => {
  it("writes a command's warning as a sentence with its facts, an error by its message", () => {
    expect(
      commandLine({
        level: 40,
        time: 1,
        part: 'reader',
        code: 'missing',
        msg: 'reader device lost',
        err: { type: 'Error', message: 'EIO', stack: '...' },
        path: '/dev/ttyUSB0',
      }),
    ).toBe('warning: reader device lost (err=EIO, path=/dev/ttyUSB0)\n');
    expect(commandLine({ level: 30, msg: 'gpio signals ready' })).toBe('gpio signals ready\n');
    expect(commandLine({ level: 50, msg: 'boom' })).toBe('error: boom\n');
  });

  it('writes the demo line with every fact', () => {
    expect(
      demoLine({ level: 30, msg: 'scan', uid: '0A', userName: 'Anna Schmidt', outcome: 'clocked_in' }),
    ).toBe('    · scan uid=0A userName=Anna Schmidt outcome=clocked_in\n');
  });

  it('renders whole lines as they come in pieces, leaves out what the view skips, passes other text on', () => {
    let text = '';
    const out = { write: (chunk: string) => (text += chunk) } as unknown as NodeJS.WritableStream;
    const view = logView(out, (entry) => (entry.msg === 'skip' ? null : `${String(entry.msg)}\n`));
    view.write('{"msg":"a"}\n{"msg":"sk');
    view.write('ip"}\nnot json\n');
    expect(text).toBe('a\nnot json\n');
  });
});
