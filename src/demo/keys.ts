/** What a line typed into the demo means: a demo badge, a simulator switch, or a UID as typed. */
export type DemoAction =
  | { kind: 'tap'; uid: string }
  | { kind: 'toggle-offline' }
  | { kind: 'toggle-clock' }
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
      return { kind: 'toggle-clock' };
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

/** How far `l` puts the simulator's clock ahead of the kiosk's. */
export const DEMO_CLOCK_AHEAD_HOURS = 3;

/** The guide, every line within 80 columns: a terminal would break a longer one inside a word. */
export function demoGuide(simUrl: string): string {
  const badges = DEMO_BADGES.map((b) => `    ${b.key} + Enter   tap ${b.name}'s badge (${b.uid})`).join('\n');
  return `
  moco-timeclock demo: a complete kiosk, no hardware, no MOCO account.
  Its MOCO is a simulator at ${simUrl}
  Type a key and press Enter:
${badges}
    x + Enter   tap a badge nobody enrolled (unknown badge)
    o + Enter   switch the MOCO simulator offline / online: taps are stored,
                then delivered at the minute they happened
    l + Enter   put the simulator's clock ${DEMO_CLOCK_AHEAD_HOURS} hours ahead of the kiosk's, and
                back: what a kiosk with a wrong clock does (it books taps
                by MOCO's clock)
    p + Enter   show the presences MOCO has now
    h + Enter   this guide;   q + Enter   quit
  Anything else you type is taken as a badge UID. A second tap of the same
  person within the repeat guard (60 s) is ignored, as at a real door.
`;
}
