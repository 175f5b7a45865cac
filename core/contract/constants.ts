/**
 * Plain values of the contract with no zod behind them, so the renderer can import them at runtime
 * without bundling the validators (it imports everything else as types only).
 */

export const EVENT_NAMES = [
  'stream.published', 'stream.unpublished', 'stream.stats', 'server.stats', 'log',
  'recording.started', 'recording.stopped', 'recording.failed',
  'job.queued', 'job.started', 'job.progress', 'job.done', 'job.failed', 'job.cancelled',
  'destination.state',
  'relay.state',
  'ladder.state',
  'room.changed',
  'chat.message', 'chat.moderated', 'presence.changed',
  'health.changed', 'health.event',
  'storage.changed',
  'cluster.changed',
] as const;

/** Path of the WebSocket transport. */
export const WS_PATH = '/api/ws';
/** Close code the server uses when a socket is shut because the studio stops. */
export const WS_CLOSE_GOING_AWAY = 1001;
