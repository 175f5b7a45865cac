import type { OnAirConfig } from '../config';
import type { Feature } from '../feature';
import type { RoomsService } from './rooms';
import { mountSeedRoutes } from './seed-routes';
import { mountWatch } from './watch-route';

/**
 * The `rooms` feature (issue 13): keys.* and rooms.* commands, the room.changed event (forwarded to the
 * contract by core/api/contract-events.ts), and seed 002's REST routes (/api/live/*). Chat/presence is the `chat` feature.
 */
export function roomsFeature(rooms: RoomsService, config: () => OnAirConfig): Feature {
  const keys = rooms.keys;
  return {
    name: 'rooms',
    events: ['room.changed'],
    handlers: {
      'keys.list': () => keys.list(),
      'keys.add': ({ label, app }) => keys.add(label, app),
      'keys.enable': ({ id }) => keys.setEnabled(id, true),
      'keys.disable': ({ id }) => keys.setEnabled(id, false),
      'keys.rotate': ({ id }) => keys.rotate(id),
      'keys.remove': ({ id }) => keys.remove(id),
      'rooms.list': () => rooms.list(),
      'rooms.add': (a) => rooms.add(a),
      'rooms.update': ({ id, title, cover }) => rooms.update(id, { title, cover }),
      'rooms.status': ({ id, type }) => rooms.setStatus(id, type),
      'rooms.remove': ({ id }) => rooms.remove(id),
    },
    mount: (h) => {
      mountSeedRoutes(h.router, rooms, config);
      // the public watch page /watch/<id> (R4, core/rooms/watch-route.ts)
      mountWatch(h.router, { config, room: (id) => rooms.find(id) });
    },
    start: () => rooms.start(),
    stop: () => rooms.stop(),
  };
}
