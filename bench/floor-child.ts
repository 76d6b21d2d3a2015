import { createInterface } from 'node:readline';
import { Floor, type FloorTarget } from './floor.js';

// The floor's process (FloorProcess): one command a line on stdin, one answer a line on stdout.
const floor = new Floor(JSON.parse(process.argv[2] as string) as FloorTarget);
for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as { op: 'tap' | 'ping'; key: string };
  if (command.op === 'tap') process.stdout.write(`${await floor.tap(command.key)}\n`);
  else {
    await floor.ping(command.key);
    process.stdout.write('ok\n');
  }
}
await floor.close();
