/**
 * Light players for the cluster edge tests and bench: our RTMP client or an HTTP-FLV reader counting what they
 * receive, with the end-of-stream they see (RTMP: Play.UnpublishNotify/Play.Stop or a close; FLV: the body ends).
 */
import { RtmpClient } from '../../core/rtmp/client';
import { MSG } from '../../core/format/rtmp/rtmp-messages';

export interface LightPlayer {
  /** video messages (RTMP) or body bytes (FLV) received */
  received(): number;
  /** when the first video keyframe (RTMP) / first body byte (FLV) arrived, performance.now(); null: not yet */
  firstAt(): number | null;
  /** the player saw the end of the stream (or its connection closed) */
  ended(): boolean;
  close(): void;
}

/** url: rtmp://host:port/app/name[?sign=…] */
export async function rtmpPlayer(url: string, timeoutMs = 10_000): Promise<LightPlayer> {
  const slash = url.lastIndexOf('/');
  const c = await RtmpClient.connect(url.slice(0, slash), { timeoutMs });
  let n = 0;
  let first: number | null = null;
  let end = false;
  c.on('media', (m) => {
    if (m.type !== MSG.VIDEO) return;
    n++;
    // FLV video tag: frame type 1 = keyframe (high nibble), AVC packet type 1 = NALUs (not the sequence header)
    if (first === null && m.payload.length > 1 && m.payload[0] >> 4 === 1 && m.payload[1] === 1) first = performance.now();
  });
  c.on('status', (s) => {
    if (/UnpublishNotify|Play\.Stop/.test(s.code)) end = true;
  });
  c.on('close', () => (end = true));
  await c.play(url.slice(slash + 1));
  return { received: () => n, firstAt: () => first, ended: () => end, close: () => c.destroy() };
}

/** url: http://host:port/app/name.flv[?sign=…]; rejects when the answer is not 200 */
export async function flvPlayer(url: string): Promise<LightPlayer> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  if (res.status !== 200 || !res.body) throw new Error(`HTTP-FLV ${res.status}: ${await res.text().catch(() => '')}`);
  let n = 0;
  let first: number | null = null;
  let end = false;
  const reader = res.body.getReader();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (first === null && n > 13) first = performance.now();
        n += value.length;
      }
    } catch {
      // aborted by close(), or the connection broke: the end either way
    }
    end = true;
  })();
  return { received: () => n, firstAt: () => first, ended: () => end, close: () => ac.abort() };
}
