import type { Command } from 'commander';
import { CliError, EXIT } from '../../exit.js';
import { normalizeBadgeUid } from '../../store/badges.js';
import { CONFIG_HELP } from '../load-config.js';
import { type Io, inConfiguredForm, keptInMoco, withStore } from './context.js';

/** `badge remove`: the badge goes, and its taps are no longer booked. */
export function defineRemove(badge: Command, io: Io): void {
  badge
    .command('remove')
    .description('delete a badge: its taps are no longer booked')
    .argument('<uid>', 'the badge UID')
    .option('-c, --config <file>', CONFIG_HELP)
    .action((uid: string, options: { config?: string }) => {
      const admitted = normalizeBadgeUid(uid);
      return withStore(io, options.config, 'existing', ({ badges, mocoBadges, config }) => {
        const normalized = inConfiguredForm(config, admitted);
        if (config.badges.source === 'moco') throw keptInMoco(config, mocoBadges, normalized);
        if (!badges.remove(normalized)) throw new CliError(`there is no badge ${normalized}`);
        io.out(`removed badge ${normalized}\n`);
      });
    });
}

/** `badge rename`: a new label for lists. */
export function defineRename(badge: Command, io: Io): void {
  badge
    .command('rename')
    .description('change the label of a badge')
    .argument('<uid>', 'the badge UID')
    .argument('<label>', 'the new label')
    .option('-c, --config <file>', CONFIG_HELP)
    .action((uid: string, label: string, options: { config?: string }) => {
      const admitted = normalizeBadgeUid(uid);
      // A badge without a label shows as "-" in every list: an empty one is a slip, not a wish.
      if (label.trim() === '') throw new CliError('the new label is empty: give the label text', EXIT.usage);
      return withStore(io, options.config, 'existing', ({ badges, mocoBadges, config }) => {
        const normalized = inConfiguredForm(config, admitted);
        if (config.badges.source === 'moco') throw keptInMoco(config, mocoBadges, normalized);
        badges.rename(normalized, label);
        io.out(`badge ${normalized} is now labelled ${JSON.stringify(label.trim())}\n`);
      });
    });
}
