import { closeSync, createWriteStream, mkdirSync, openSync, stat, write as writeAt, type WriteStream } from 'node:fs';
import path from 'node:path';
import { durationWrites, fragmentRef, layoutOf, recordingHead, type Fmp4Layout, type FragmentRef } from '../format/fmp4/fmp4-index';
import { Fmp4Muxer } from '../format/fmp4/fmp4-muxer';
import { durationMsOf, writeIndex } from './finalize';
import type { MediaPacket } from '../media/packet';
import type { StreamStart, Subscriber } from '../media/subscriber';

/** Bytes a recording may have queued for the disk before it is failed rather than grow memory. */
const MAX_QUEUED = 64 * 1024 * 1024;
/** Cut a fragment at least this often even with long GOPs, so a crash loses little. */
const MAX_FRAGMENT_MS = 2000;
/** While live, rewrite the header's durations (mvhd/mehd/tkhd/mdhd) to the time so far at most this often. */
const LIVE_DURATION_MS = 5000;

export interface RecorderEvents {
  onProgress(bytes: number, durationMs: number): void;
  onFailed(reason: string): void;
  onClosed(bytes: number, durationMs: number): void;
}

/**
 * Writes one stream to a fragmented MP4 as it goes: ftyp+moov (64-bit duration fields, mehd) and a reserved
 * index slot first, then a moof+mdat per GOP (or every 2 s). Every fragment on disk is complete, so the file
 * plays up to the last one even after kill -9. While live the header's durations follow the media written so
 * far; on close they get their final values and the slot becomes a sidx, so players read the length and seek
 * points from the header (core/format/fmp4/fmp4-index.ts). A disk error fails the recording; the stream and its
 * players are untouched.
 */
export class Recorder implements Subscriber {
  readonly protocol = 'record' as const;
  readonly ip = '';
  readonly internal = true;
  readonly connectCreated = new Date();
  readonly dropped = 0;
  bytes = 0;
  durationMs = 0;
  private muxer: Fmp4Muxer | null = null;
  private initWritten = false;
  private out: WriteStream | null = null;
  private fd = -1;
  private layout: Fmp4Layout | null = null;
  private readonly refs: FragmentRef[] = [];
  /** end decode time per track id (track timescale) */
  private readonly ends = new Map<number, number>();
  /** an in-flight live duration rewrite: the fd is closed only after it */
  private patching: Promise<void> | null = null;
  private lastPatch = 0;
  private headBytes = 0;
  private lastCut = -1;
  private firstTs = -1;
  private done = false;

  /** `maxDurationMs`: end by itself (cleanly, like stop) once that much media time is written */
  constructor(readonly id: string, readonly file: string, private readonly ev: RecorderEvents, private readonly maxDurationMs: number | null = null) {}

  start(init: StreamStart): void {
    if (this.done) return;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
    } catch (e) {
      return this.fail(`cannot create the folder: ${(e as Error).message}`);
    }
    try {
      this.fd = openSync(this.file, 'w');
    } catch (e) {
      return this.fail(`cannot create the file: ${(e as Error).message}`);
    }
    // the stream appends through its own fd; this.fd (ours, closed only by us) patches the header in place
    this.out = createWriteStream(this.file, { flags: 'r+' });
    this.out.on('error', (e) => this.fail(`write failed: ${e.message}`));
    this.muxer = new Fmp4Muxer({ video: init.videoConfig !== null, audio: init.audioConfig !== null, zeroBased: true });
    if (init.videoConfig) this.send(init.videoConfig);
    if (init.audioConfig) this.send(init.audioConfig);
    for (const p of init.gop) this.send(p);
  }

  private write(buf: Buffer): void {
    const out = this.out;
    if (!out || this.done) return;
    if (out.writableLength > MAX_QUEUED) return this.fail('the disk is not keeping up (over 64 MB queued)');
    this.bytes += buf.length;
    out.write(buf);
  }

  send(p: MediaPacket): void {
    const m = this.muxer;
    if (!m || this.done || p.kind === 'data') return;
    try {
      if (!p.seqHeader && this.maxDurationMs !== null) {
        if (this.firstTs < 0) this.firstTs = p.timestamp;
        else if (p.timestamp - this.firstTs >= this.maxDurationMs) return this.end('duration reached');
      }
      m.push(p);
      if (!this.initWritten) {
        if (!m.ready) return;
        const head = recordingHead(m.init());
        this.layout = layoutOf(head);
        this.headBytes = head.length;
        this.write(head);
        this.initWritten = true;
      }
      if (m.configChanged) {
        // an MP4 holds one configuration per track: close this file cleanly, the owner may start a new one
        this.cut(true);
        return this.fail('the publisher changed its codec configuration');
      }
      if (p.seqHeader) return;
      const boundary = p.kind === 'video' ? p.keyframe : !m.tracks.some((t) => t.type === 'video');
      if (this.lastCut < 0) this.lastCut = p.timestamp;
      if ((boundary && p.timestamp !== this.lastCut) || p.timestamp - this.lastCut >= MAX_FRAGMENT_MS) {
        this.cut(false);
        this.lastCut = p.timestamp;
      }
    } catch (e) {
      this.fail(`muxing failed: ${(e as Error).message}`);
    }
  }

  private cut(final: boolean): void {
    const f = this.muxer?.flush(final);
    if (!f) return;
    const offset = this.bytes;
    this.write(f.data);
    const ref = this.layout ? fragmentRef(f.data, offset, f.data.length, this.layout) : null;
    if (ref) {
      this.refs.push(ref);
      for (const [id, t] of ref.tracks) this.ends.set(id, Math.max(this.ends.get(id) ?? 0, t.end));
      this.durationMs = durationMsOf(this.layout, [], this.ends); // the longest track: what the header will say
    } else this.durationMs = f.startTime + f.duration;
    this.patchLive();
    this.ev.onProgress(this.bytes, this.durationMs);
    this.checkStillThere();
  }

  private lastCheck = Date.now();

  /** An open file keeps accepting writes after its folder is deleted: notice, and fail instead of recording into nothing. */
  private checkStillThere(): void {
    const now = Date.now();
    if (now - this.lastCheck < 2000 || this.done) return;
    this.lastCheck = now;
    stat(this.file, (err) => {
      if (err) this.fail(`the recording file or its folder was removed (${err.code ?? err.message})`);
    });
  }

  flush(): void {}

  /** Every few seconds: the header's durations to the time written so far (a player opening the file now sees it). */
  private patchLive(): void {
    const layout = this.layout;
    if (!layout || this.patching || this.done || Date.now() - this.lastPatch < LIVE_DURATION_MS) return;
    if (!this.out || this.out.bytesWritten < this.headBytes) return; // the head itself is not on disk yet
    this.lastPatch = Date.now();
    const fd = this.fd;
    const writes = durationWrites(layout, this.ends);
    this.patching = (async () => {
      for (const w of writes) await new Promise<void>((resolve) => writeAt(fd, w.data, 0, w.data.length, w.offset, () => resolve()));
    })().finally(() => (this.patching = null));
  }

  /**
   * Once everything queued is on disk: the final durations and the sidx (positional writes into boxes that keep
   * their sizes), then close our fd. After a write error the index is left out: the file still plays up to its
   * last complete fragment, as after kill -9.
   */
  private closeFile(out: WriteStream | null, then: () => void): void {
    const fd = this.fd;
    this.fd = -1;
    const finish = (ok: boolean): void => {
      void (this.patching ?? Promise.resolve()).then(() => {
        try {
          if (ok && fd >= 0 && this.layout && this.initWritten) writeIndex(fd, this.layout, this.refs);
        } catch {}
        try {
          if (fd >= 0) closeSync(fd);
        } catch {}
        then();
      });
    };
    if (!out) return finish(false);
    out.end((err?: Error | null) => finish(!err));
  }

  private fail(reason: string): void {
    if (this.done) return;
    this.done = true;
    const out = this.out;
    this.out = null;
    this.closeFile(out, () => {});
    this.ev.onFailed(reason);
  }

  /** Stop: write the buffered samples and close the file. */
  end(_reason: string): void {
    if (this.done) return;
    try {
      if (this.initWritten) this.cut(true);
    } catch {}
    this.done = true;
    const out = this.out;
    this.out = null;
    this.closeFile(out, () => this.ev.onClosed(this.bytes, this.durationMs));
  }

  get finished(): boolean {
    return this.done;
  }
}
