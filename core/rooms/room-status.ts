/**
 * The room status machine (seed 002): 0 not started, 1 live, 2 paused, 3 ended — and 3 is final.
 * Pure, so the rules are tested on their own (test/unit/room-status.test.ts).
 */
export type RoomStatus = 0 | 1 | 2 | 3;

export type RoomEvent =
  /** a publisher went live on the room's stream (first time, or back from a drop) */
  | 'published'
  /** the publisher dropped and the stream waits for it (inside its reconnect window) */
  | 'dropped'
  /** the stream is over (registry 'ended'), or the room was paused longer than rooms.pause_s */
  | 'ended'
  /** by hand: seed 002's changestatus */
  | 'play'
  | 'pause'
  | 'stop';

export const MANUAL: Readonly<Record<'play' | 'pause' | 'stop', RoomStatus>> = { play: 1, pause: 2, stop: 3 };

/** The next status, or null when the event changes nothing. Manual events on an ended room are refused by the caller. */
export function nextStatus(cur: RoomStatus, ev: RoomEvent): RoomStatus | null {
  if (cur === 3) return null;
  let next: RoomStatus;
  switch (ev) {
    case 'published':
      next = 1;
      break;
    case 'dropped':
      if (cur !== 1) return null;
      next = 2;
      break;
    case 'ended':
      if (cur === 0) return null;
      next = 3;
      break;
    default:
      next = MANUAL[ev];
  }
  return next === cur ? null : next;
}
