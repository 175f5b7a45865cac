import type { z } from 'zod';
import type { destinationCommands } from '../contract/destinations';
import type { Feature } from '../feature';
import { mountDestinationRoutes } from './destinations-routes';
import type { DestinationsService } from './destinations-service';

/**
 * Contract handlers for destinations.* (issue 11), ready to spread into the dispatcher's handler map. Errors are
 * OnAirErrors and reach the contract through the one table in core/errors.ts (VALIDATION, NOT_FOUND, IO…).
 */

type DestCommands = typeof destinationCommands;
type Args<K extends keyof DestCommands> = z.output<DestCommands[K]['args']>;
type Result<K extends keyof DestCommands> = z.input<DestCommands[K]['result']>;
export type DestinationHandlers = { [K in keyof DestCommands]: (args: Args<K>) => Result<K> | Promise<Result<K>> };

export function createDestinationHandlers(svc: DestinationsService): DestinationHandlers {
  return {
    'destinations.list': () => svc.list(),
    'destinations.add': (args) => svc.add(args),
    'destinations.update': ({ id, ...patch }) => svc.update(id, patch),
    'destinations.remove': ({ id }) => svc.remove(id),
    'destinations.start': ({ id }) => svc.start(id),
    'destinations.stop': ({ id }) => svc.stop(id),
    'destinations.retry': ({ id }) => svc.retry(id),
  };
}

/** The destinations feature (core/feature.ts): commands, the destination.state event, REST, resume on start. */
export function destinationsFeature(svc: DestinationsService): Feature {
  return {
    name: 'destinations',
    handlers: createDestinationHandlers(svc),
    events: ['destination.state'],
    mount: (h) => mountDestinationRoutes(h.router, svc),
    start: () => svc.load(),
    stop: () => svc.close(),
  };
}
