import { CliError, EXIT } from '../exit.js';

/**
 * One line from the terminal without echo, as `sudo` and `ssh` read passwords: the key must not
 * stay on the screen or in a screen recording. Backspace works; Ctrl+C aborts.
 */
export async function readHidden(io: {
  stdin: NodeJS.ReadableStream;
  err: (text: string) => void;
}): Promise<string> {
  const tty = io.stdin as NodeJS.ReadStream;
  // Echo off before the prompt: whoever answers it types into a silent terminal.
  tty.setRawMode(true);
  io.err('MOCO API key (not shown): ');
  try {
    return await new Promise<string>((resolve, reject) => {
      let key = '';
      const finish = (settle: () => void) => {
        tty.off('data', onData);
        tty.off('end', onEnd);
        tty.pause();
        settle();
      };
      const onData = (chunk: Buffer | string) => {
        for (const char of chunk.toString()) {
          if (char === '\u0003') {
            finish(() => reject(new CliError('interrupted: no badge added', EXIT.interrupted)));
            return;
          }
          if (char === '\r' || char === '\n' || char === '\u0004') {
            finish(() => resolve(key));
            return;
          }
          key = char === '\u007f' || char === '\b' ? key.slice(0, -1) : key + char;
        }
      };
      const onEnd = () => finish(() => resolve(key));
      tty.on('data', onData);
      tty.once('end', onEnd);
    });
  } finally {
    tty.setRawMode(false);
    io.err('\n');
  }
}

/** One line of a stream, without its line ending; what `--key -` and `web passwd` read. */
export async function readLine(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += chunk.toString();
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end).replace(/\r$/, '');
  }
  return text;
}
