import { closeSync, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs';

/**
 * After a crash: what a live fragmented MP4 holds. Walks the top-level boxes (reading only their
 * headers, and moov/moof in full), keeps everything up to the last complete moof+mdat pair, and measures
 * the media time from tfdt + trun sample durations. `finalizeFmp4` cuts a torn tail off the file.
 */

export interface Fmp4Scan {
  /** bytes that form complete boxes (a moof without its whole mdat is not counted) */
  validBytes: number;
  size: number;
  /** media time up to the end of the last complete fragment, ms */
  durationMs: number;
  fragments: number;
}

const MAX_META = 32 * 1024 * 1024;

interface TrackInfo {
  timescale: number;
  defaultDuration: number;
}

function children(b: Buffer, start: number, end: number, fn: (type: string, body: number, end: number) => void): void {
  let p = start;
  while (p + 8 <= end) {
    let size = b.readUInt32BE(p);
    const type = b.toString('latin1', p + 4, p + 8);
    let head = 8;
    if (size === 1) {
      if (p + 16 > end) return;
      size = Number(b.readBigUInt64BE(p + 8));
      head = 16;
    } else if (size === 0) size = end - p;
    if (size < head || p + size > end) return;
    fn(type, p + head, p + size);
    p += size;
  }
}

function parseMoov(b: Buffer, tracks: Map<number, TrackInfo>): void {
  children(b, 0, b.length, (type, body, end) => {
    if (type === 'trak') {
      let id = 0;
      let timescale = 0;
      children(b, body, end, (t, tb, te) => {
        if (t === 'tkhd') id = b[tb] === 1 ? b.readUInt32BE(tb + 20) : b.readUInt32BE(tb + 12);
        if (t === 'mdia') {
          children(b, tb, te, (m, mb) => {
            if (m === 'mdhd') timescale = b[mb] === 1 ? b.readUInt32BE(mb + 20) : b.readUInt32BE(mb + 12);
          });
        }
      });
      if (id > 0 && timescale > 0) tracks.set(id, { timescale, defaultDuration: tracks.get(id)?.defaultDuration ?? 0 });
    } else if (type === 'mvex') {
      children(b, body, end, (t, tb) => {
        if (t !== 'trex') return;
        const id = b.readUInt32BE(tb + 4);
        const cur = tracks.get(id) ?? { timescale: 0, defaultDuration: 0 };
        tracks.set(id, { ...cur, defaultDuration: b.readUInt32BE(tb + 12) });
      });
    }
  });
}

/** end time of each track in this moof, in the track's timescale */
function parseMoof(b: Buffer, tracks: Map<number, TrackInfo>): Map<number, number> {
  const ends = new Map<number, number>();
  children(b, 0, b.length, (type, body, end) => {
    if (type !== 'traf') return;
    let id = 0;
    let base = 0;
    let defDur = 0;
    let total = 0;
    children(b, body, end, (t, tb) => {
      const flags = b.readUInt32BE(tb) & 0xffffff;
      if (t === 'tfhd') {
        id = b.readUInt32BE(tb + 4);
        let o = tb + 8;
        if (flags & 0x1) o += 8;
        if (flags & 0x2) o += 4;
        defDur = flags & 0x8 ? b.readUInt32BE(o) : (tracks.get(id)?.defaultDuration ?? 0);
      } else if (t === 'tfdt') {
        base = b[tb] === 1 ? Number(b.readBigUInt64BE(tb + 4)) : b.readUInt32BE(tb + 4);
      } else if (t === 'trun') {
        const count = b.readUInt32BE(tb + 4);
        let o = tb + 8;
        if (flags & 0x1) o += 4;
        if (flags & 0x4) o += 4;
        const per = (flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0) + (flags & 0x800 ? 4 : 0);
        for (let i = 0; i < count; i++) {
          if (flags & 0x100) {
            if (o + 4 > b.length) break;
            total += b.readUInt32BE(o);
          } else total += defDur;
          o += per;
        }
      }
    });
    if (id > 0) ends.set(id, Math.max(ends.get(id) ?? 0, base + total));
  });
  return ends;
}

export function scanFmp4(file: string): Fmp4Scan {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const tracks = new Map<number, TrackInfo>();
    const ends = new Map<number, number>();
    const head = Buffer.alloc(16);
    let pos = 0;
    let valid = 0;
    let fragments = 0;
    let moof: Map<number, number> | null = null;
    while (pos + 8 <= size) {
      readSync(fd, head, 0, 16, pos);
      let boxSize = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      let hl = 8;
      if (boxSize === 1) {
        boxSize = Number(head.readBigUInt64BE(8));
        hl = 16;
      }
      if (boxSize < hl || pos + boxSize > size) break;
      if (type === 'moov' || type === 'moof') {
        if (boxSize > MAX_META) break;
        const b = Buffer.alloc(boxSize - hl);
        readSync(fd, b, 0, b.length, pos + hl);
        try {
          if (type === 'moov') parseMoov(b, tracks);
          else moof = parseMoof(b, tracks);
        } catch {
          break; // a box that does not parse ends what can be trusted
        }
      }
      pos += boxSize;
      if (type === 'moof') continue; // counted once its mdat is complete
      if (type === 'mdat' && moof) {
        for (const [id, e] of moof) ends.set(id, Math.max(ends.get(id) ?? 0, e));
        fragments++;
        moof = null;
      }
      valid = pos;
    }
    let durationMs = 0;
    for (const [id, e] of ends) {
      const ts = tracks.get(id)?.timescale ?? 0;
      if (ts > 0) durationMs = Math.max(durationMs, Math.round((e * 1000) / ts));
    }
    return { validBytes: valid, size, durationMs, fragments };
  } finally {
    closeSync(fd);
  }
}

/** Scan, and cut a torn last fragment off so every player reads the file to its end. */
export function finalizeFmp4(file: string): Fmp4Scan {
  const s = scanFmp4(file);
  if (s.validBytes < s.size) {
    const fd = openSync(file, 'r+');
    try {
      ftruncateSync(fd, s.validBytes);
    } finally {
      closeSync(fd);
    }
  }
  return { ...s, size: s.validBytes };
}
