import { z } from 'zod';
import { NameSchema } from './common';

/**
 * Stream keys, live rooms, chat and presence (issue 13; seed 002 rooms/socket.io, seed 003 private keys).
 * Pure zod. Keys are answered whole only to the panel (they are the streamer's own OBS setting, like the token);
 * logs carry only the last 4 characters. Room ids are integers (seed 002); the seed's REST routes keep its
 * `{ msg, data }` envelope (core/rooms/seed-routes.ts).
 */

/** 20 characters [A-Za-z0-9] (seed 002's randomString(20)); user-supplied keys: 8–64 of [A-Za-z0-9_-] */
export const StreamKeySchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, '8–64 letters, digits, _ or -');

export const KeySchema = z.object({
  id: z.string(),
  label: z.string(),
  app: z.string(),
  /** the key itself (what OBS calls "Stream Key" before signing) */
  key: z.string(),
  /**
   * the public stream name (not secret): with auth.keys on, publishing with the key goes live at /<app>/<stream> —
   * what players and the watch page use; with auth.keys off the stream is /<app>/<key> (seed 002)
   */
  stream: z.string(),
  enabled: z.boolean(),
  created_at: z.number(),
  last_used_at: z.number().nullable(),
  /** a publisher is live with it now */
  live: z.boolean(),
  /** OBS fields: Server (rtmp://host:port/app) and Stream Key (signed with its expiry when auth.publish is on) */
  obs: z.object({ server: z.string(), stream_key: z.string(), expires_at: z.number().nullable() }),
});
export type StreamKey = z.infer<typeof KeySchema>;

export const KeyAddSchema = z.strictObject({
  label: z.string().trim().min(1, 'required').max(64, 'at most 64 characters'),
  app: NameSchema.default('live'),
});

const KeyIdArgs = z.strictObject({ id: z.string().min(1).max(64) });

/** 0 not started, 1 live, 2 paused (publisher dropped < rooms.pause_s ago), 3 ended (final) — seed 002 */
export const RoomStatusSchema = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);

export const RoomSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  cover: z.string(),
  /** the stream key of this room (the secret it is published with) */
  key: z.string(),
  app: z.string(),
  /** the room's stream name as players see it (/<app>/<stream>): the key's public name with auth.keys on, else the key */
  stream: z.string(),
  status: RoomStatusSchema,
  /** total viewers seen (seed's look_count) */
  look_count: z.number().int(),
  created_at: z.number(),
  updated_at: z.number(),
  /** viewers now: players by protocol (each player once) and chat sockets */
  viewers: z.object({ total: z.number().int(), rtmp: z.number().int(), flv: z.number().int(), hls: z.number().int(), chat: z.number().int() }),
  /** "/watch/<id>" */
  watch_path: z.string(),
});
export type Room = z.infer<typeof RoomSchema>;

export const RoomAddSchema = z.strictObject({
  title: z.string().trim().min(1, 'required').max(120, 'at most 120 characters'),
  cover: z.string().max(2048, 'too long').default(''),
  /** an existing key id, or none: a new key is made for the room */
  key_id: z.string().min(1).max(64).optional(),
  app: NameSchema.default('live'),
});

export const ChatMessageSchema = z.object({
  id: z.string(),
  room: z.number().int(),
  /** display name (text only, never rendered as HTML) */
  name: z.string(),
  text: z.string(),
  /** 'comment' | 'gift' (a named reaction) | 'streamer' (a reply from the panel) */
  kind: z.enum(['comment', 'gift', 'streamer']),
  at: z.number(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const ChatModerationSchema = z.object({
  room: z.number().int(),
  action: z.enum(['delete', 'timeout', 'ban', 'unban', 'slow']),
  /** delete: the message id */
  message_id: z.string().nullable(),
  /** timeout/ban: the viewer's name and address (address shown to the panel only) */
  name: z.string().nullable(),
  /** slow mode: seconds between messages per viewer (0 = off); timeout: its length */
  seconds: z.number().nullable(),
  at: z.number(),
});

export const PresenceSchema = z.object({
  room: z.number().int(),
  viewers: RoomSchema.shape.viewers,
  /** names of chat members in the room (seed 002's `online` list) */
  online: z.array(z.string()),
});

const RoomIdArgs = z.strictObject({ id: z.number().int().positive() });

/** Commands of the `rooms` feature (core/rooms/rooms-feature.ts); spread into `commands` in core/contract/commands.ts. */
export const keyRoomCommands = {
  'keys.list': { args: z.strictObject({}).optional(), result: z.array(KeySchema) },
  'keys.add': { args: KeyAddSchema, result: KeySchema },
  'keys.enable': { args: KeyIdArgs, result: KeySchema },
  'keys.disable': { args: KeyIdArgs, result: KeySchema },
  /** a new key value for the same entry (the old one stops working; a live publisher keeps going) */
  'keys.rotate': { args: KeyIdArgs, result: KeySchema },
  'keys.remove': { args: KeyIdArgs, result: z.object({ ok: z.literal(true), id: z.string() }) },
  'rooms.list': { args: z.strictObject({}).optional(), result: z.array(RoomSchema) },
  'rooms.add': { args: RoomAddSchema, result: RoomSchema },
  'rooms.update': { args: z.strictObject({ id: z.number().int().positive(), title: RoomAddSchema.shape.title.optional(), cover: z.string().max(2048).optional() }), result: RoomSchema },
  /** seed 002 changestatus by hand: play → 1, pause → 2, stop → 3 (an ended room stays ended) */
  'rooms.status': { args: z.strictObject({ id: z.number().int().positive(), type: z.enum(['play', 'pause', 'stop']) }), result: RoomSchema },
  'rooms.remove': { args: RoomIdArgs, result: z.object({ ok: z.literal(true), id: z.number() }) },
} as const;

/** Commands of the `chat` feature (core/rooms/chat-feature.ts); spread into `commands` by its owner. */
export const chatCommands = {
  'chat.history': { args: z.strictObject({ room: z.number().int().positive(), limit: z.number().int().min(1).max(500).optional() }), result: z.array(ChatMessageSchema) },
  /** a message from the streamer (kind 'streamer') */
  'chat.send': { args: z.strictObject({ room: z.number().int().positive(), text: z.string().trim().min(1).max(500) }), result: ChatMessageSchema },
  'chat.delete': { args: z.strictObject({ room: z.number().int().positive(), message_id: z.string().min(1).max(64) }), result: z.object({ ok: z.literal(true) }) },
  /** by name and address of a chat member now in the room; seconds: timeout length (absent: ban) */
  'chat.ban': { args: z.strictObject({ room: z.number().int().positive(), name: z.string().min(1).max(64), seconds: z.number().int().min(1).max(86_400).optional() }), result: z.object({ ok: z.literal(true) }) },
  'chat.unban': { args: z.strictObject({ room: z.number().int().positive(), name: z.string().min(1).max(64) }), result: z.object({ ok: z.literal(true) }) },
  'chat.slow': { args: z.strictObject({ room: z.number().int().positive(), seconds: z.number().int().min(0).max(600) }), result: z.object({ ok: z.literal(true) }) },
} as const;

/** Every command of issue 13 (both features). */
export const roomCommands = { ...keyRoomCommands, ...chatCommands } as const;

/** Events of the `rooms` feature; spread into `events` in core/contract/events.ts (and the names into EVENT_NAMES). */
export const keyRoomEvents = {
  'room.changed': RoomSchema,
} as const;

/** Events of the `chat` feature; spread by its owner. */
export const chatEvents = {
  'chat.message': ChatMessageSchema,
  'chat.moderated': ChatModerationSchema,
  'presence.changed': PresenceSchema,
} as const;

/** The chat feature's event names (core/api/contract-events.ts forwards each). */
export const CHAT_EVENT_NAMES = ['chat.message', 'chat.moderated', 'presence.changed'] as const satisfies readonly (keyof typeof chatEvents)[];
export type ChatEventName = (typeof CHAT_EVENT_NAMES)[number];

/** Every event of issue 13 (both features). */
export const roomEvents = { ...keyRoomEvents, ...chatEvents } as const;
