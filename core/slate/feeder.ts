import type { PublishHandle } from '../media/publish';
import type { SlateClip } from './clip';

/**
 * The slate session's timestamp of tag `i` of loop `loop` (the clip repeats every `periodMs`). The slate
 * publishes on its own session clock from 0; the stream clock (media/stream-clock.ts) rebases that session
 * to continue one frame after the last source timestamp, so every loop only adds `periodMs`.
 */
export function loopTimestamp(loop: number, tagTs: number, periodMs: number): number {
  return (loop * periodMs + tagTs) % 2 ** 32;
}

/** Where the feed is after `elapsedMs` of real time: how many tags of the clip (counted across loops) are due. */
export function dueCount(clip: Pick<SlateClip, 'tags' | 'periodMs'>, elapsedMs: number): number {
  const n = clip.tags.length;
  if (n === 0 || elapsedMs < 0) return 0;
  const loops = Math.floor(elapsedMs / clip.periodMs);
  const into = elapsedMs - loops * clip.periodMs;
  let i = 0;
  while (i < n && clip.tags[i].ts <= into) i++;
  return loops * n + i;
}

/**
 * Feeds a clip into a publish handle in real time: sequence headers first, then the clip's tags, looped, each
 * sent when its time comes (a short timer; one flush per batch). `stop()` ends the feed (not the handle).
 */
export class ClipFeeder {
  private sent = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly t0 = performance.now();

  constructor(private readonly clip: SlateClip, private readonly handle: PublishHandle) {
    handle.video(0, clip.videoConfig);
    if (clip.audioConfig) handle.audio(0, clip.audioConfig);
    this.tick();
  }

  /** packets fed so far */
  get packets(): number {
    return this.sent;
  }

  private tick(): void {
    this.timer = null;
    if (this.handle.ended) return;
    const { tags, periodMs } = this.clip;
    const due = dueCount(this.clip, performance.now() - this.t0);
    for (; this.sent < due; this.sent++) {
      const loop = Math.floor(this.sent / tags.length);
      const t = tags[this.sent % tags.length];
      const ts = loopTimestamp(loop, t.ts, periodMs);
      if (t.kind === 'video') this.handle.video(ts, t.body);
      else this.handle.audio(ts, t.body);
    }
    this.handle.flush();
    // the next tag's time
    const loop = Math.floor(this.sent / tags.length);
    const next = loop * periodMs + tags[this.sent % tags.length].ts;
    const wait = Math.max(5, next - (performance.now() - this.t0));
    this.timer = setTimeout(() => this.tick(), wait);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
