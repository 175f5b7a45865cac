import { createWriteStream, mkdirSync, stat, type WriteStream } from 'node:fs';
import path from 'node:path';
import { Fmp4Muxer } from '../../format/fmp4-muxer';
import type { MediaPacket } from '../../media/packet';
import type { StreamStart, Subscriber } from '../../media/subscriber';

/** Bytes a recording may have queued for the disk before it is failed rather than grow memory. */
const MAX_QUEUED = 64 * 1024 * 1024;
/** Cut a fragment at least this often even with long GOPs, so a crash loses little. */
const MAX_FRAGMENT_MS = 2000;

export interface RecorderEvents {
  onProgress(bytes: number, durationMs: number): void;
  onFailed(reason: string): void;
  onClosed(bytes: number, durationMs: number): void;
}

/**
 * Writes one stream to a fragmented MP4 as it goes: ftyp+moov first, then a moof+mdat per GOP (or every 2 s).
 * Every fragment on disk is complete, so the file plays up to the last one even after kill -9.
 * A disk error fails the recording; the stream and its players are untouched.
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
    this.out = createWriteStream(this.file, { flags: 'w' });
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
        this.write(m.init());
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
    this.durationMs = f.startTime + f.duration;
    this.write(f.data);
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

  private fail(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.out?.end();
    this.out = null;
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
    if (!out) return this.ev.onClosed(this.bytes, this.durationMs);
    out.end(() => this.ev.onClosed(this.bytes, this.durationMs));
  }

  get finished(): boolean {
    return this.done;
  }
}
