import { z } from 'zod';
import { LogRecordSchema, StreamInfoSchema } from './common';
import { EVENT_NAMES } from './constants';
import { destinationEvents } from './destinations';
import { relayEvents } from './relays';
import { ladderEvents } from './ladder';
import { chatEvents, keyRoomEvents } from './rooms';
import { jobEvents } from './jobs';
import { recordingEvents } from './recordings';
import { healthEvents } from './health';
import { storageEvents } from './storage';
import { clusterEvents } from './cluster';
import { ServerStatsSchema } from './stats';

/** Events pushed from the core to every connected panel. */

export const events = {
  'stream.published': StreamInfoSchema,
  'stream.unpublished': z.object({ app: z.string(), name: z.string(), path: z.string() }),
  /** every live stream, about once a second */
  'stream.stats': z.object({ at: z.number(), streams: z.array(StreamInfoSchema) }),
  /** server health, about once a second; rates in bits per second over the last tick */
  'server.stats': z.object({
    at: z.number(),
    stats: ServerStatsSchema,
    net_in_bps: z.number(),
    net_out_bps: z.number(),
  }),
  log: LogRecordSchema,
  ...recordingEvents,
  ...jobEvents,
  ...destinationEvents,
  ...relayEvents,
  ...ladderEvents,
  ...keyRoomEvents,
  ...chatEvents,
  ...healthEvents,
  ...storageEvents,
  ...clusterEvents,
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventData<E extends EventName> = z.output<Events[E]>;
export type AnyEvent = { [E in EventName]: { event: E; data: EventData<E> } }[EventName];

/** The same names as a plain tuple (constants.ts); the check below keeps the two in step. */
export const eventNames: readonly EventName[] = EVENT_NAMES;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const eventNamesInStep: Same<(typeof EVENT_NAMES)[number], EventName> = true;
