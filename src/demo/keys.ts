/** What a line typed into the demo means: a demo badge, a simulator switch, or a UID as typed. */
export type DemoAction =
  | { kind: 'tap'; uid: string }
  | { kind: 'toggle-offline' }
  | { kind: 'later'; hours: number }
  | { kind: 'presences' }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'none' };

export interface DemoBadge {
  key: string;
  uid: string;
  name: string;
}

export const DEMO_BADGES: readonly DemoBadge[] = [
  { key: '1', uid: '0A00B1C201', name: 'Anna Schmidt' },
  { key: '2', uid: '0A00B1C202', name: 'Ben Meyer' },
  { key: '3', uid: '0A00B1C203', name: 'Clara Wagner' },
];

/** A badge nobody enrolled, to show `unknown_badge` and enrolment by tapping. */
export const DEMO_STRANGER_UID = '0A00FFEE99';

export function parseDemoLine(line: string): DemoAction {
  const text = line.trim();
  const badge = DEMO_BADGES.find((b) => b.key === text);
  if (badge !== undefined) return { kind: 'tap', uid: badge.uid };
  switch (text.toLowerCase()) {
    case '':
      return { kind: 'none' };
    case 'x':
      return { kind: 'tap', uid: DEMO_STRANGER_UID };
    case 'o':
      return { kind: 'toggle-offline' };
    case 'l':
      return { kind: 'later', hours: 3 };
    case 'p':
      return { kind: 'presences' };
    case 'h':
    case '?':
      return { kind: 'help' };
    case 'q':
      return { kind: 'quit' };
    default:
      return { kind: 'tap', uid: text };
  }
}

export function demoGuide(simUrl: string): string {
  const badges = DEMO_BADGES.map((b) => `    ${b.key} + Enter   tap ${b.name}'s badge (${b.uid})`).join('\n');
  return `
  moco-timeclock demo: a complete kiosk with an embedded MOCO simulator at ${simUrl}
  No hardware, no MOCO account. Type a key and press Enter:
${badges}
    x + Enter   tap a badge nobody enrolled (unknown badge)
    o + Enter   switch the MOCO simulator offline / online: taps are queued, then delivered
                at the minute they happened
    l + Enter   move the simulator's clock 3 hours later (a late delivery still lands at the tap's minute)
    p + Enter   show the presences MOCO has now
    h + Enter   this guide;   q + Enter   quit
  Anything else you type is taken as a badge UID. A second tap of the same badge within the repeat
  guard (60 s) is ignored, as at a real door.
`;
}
