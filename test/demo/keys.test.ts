import { describe, expect, it } from 'vitest';
import { demoGuide, parseDemoLine } from '../../src/demo/keys.js';

describe('the demo guide', () => {
  it('fits 80 columns with the longest simulator address, so no terminal breaks a word', () => {
    const lines = demoGuide('http://127.0.0.1:65535').split('\n');
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
    expect(lines).toContain('    x + Enter   tap a badge nobody enrolled (unknown badge)');
  });

  it("takes l as a switch of the simulator's clock, not a step", () => {
    expect(parseDemoLine('l')).toEqual({ kind: 'toggle-clock' });
    expect(parseDemoLine(' L ')).toEqual({ kind: 'toggle-clock' });
    expect(parseDemoLine('x')).toEqual({ kind: 'tap', uid: '0A00FFEE99' });
  });
});
