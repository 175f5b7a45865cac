import type { Logger } from 'pino';
import type { OnAirConfig } from '../config';
import { overlayConfig, saveConfigPatch } from '../config-store';
import { isOnAirError, OnAirError } from '../errors';
import type { Feature } from '../feature';
import type { LadderManager } from './manager';

export interface LadderStudioPort {
  readonly config: OnAirConfig;
  readonly log: Logger;
  applyConfig(input: unknown): Promise<{ config: OnAirConfig }>;
}

/**
 * The `ladder` feature: ladder.list / ladder.set / ladder.settings and the ladder.state event. ladder.set
 * applies at once (the ladders of live sources it affects restart) and is saved in <data_dir>/config.json.
 */
export function ladderFeature(ladder: LadderManager, studio: LadderStudioPort): Feature {
  return {
    name: 'ladder',
    events: ['ladder.state'],
    handlers: {
      'ladder.list': () => ladder.list(),
      'ladder.settings': () => {
        const l = studio.config.ladder;
        return { apps: l.apps, streams: l.streams, on_demand: l.on_demand };
      },
      'ladder.set': async ({ scope, setting }) => {
        const cur = studio.config.ladder;
        const apps = { ...cur.apps };
        const streams = { ...cur.streams };
        if ('app' in scope) {
          if (setting) apps[scope.app] = setting;
          else delete apps[scope.app];
        } else if (setting) streams[scope.stream] = setting;
        else delete streams[scope.stream];
        const patch = { ladder: { apps, streams } };
        try {
          await studio.applyConfig(overlayConfig(studio.config, patch));
        } catch (e) {
          if (isOnAirError(e) && e.code === 'CONFIG') throw new OnAirError('VALIDATION', e.message);
          throw e;
        }
        try {
          saveConfigPatch(studio.config.data_dir, patch);
        } catch (e) {
          studio.log.warn({ err: (e as Error).message }, 'ladder setting applied but could not be saved');
        }
        ladder.reconcileAll();
        return { ok: true as const };
      },
    },
    start: () => ladder.start(),
    stop: () => ladder.stop(),
  };
}
