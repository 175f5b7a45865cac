/**
 * A live fragmented MP4 recording that ends up self-describing. Pure: the caller reads and writes the file.
 *
 * `recordingHead(initSegment(...))` is written first: the init segment with 64-bit duration fields (mvhd, tkhd,
 * mdhd version 1, and an `mehd` in mvex) followed by a reserved `free` box. Fragments are appended after it. On
 * close (or when a crash is recovered) `indexWrites(layout, fragments)` gives the in-place writes that fill in
 * the real durations and turn the reserve into one `sidx` per track (+ a `free` filler) covering every fragment
 * to the end of the file. No box changes size, so a kill -9 at any point leaves a playable file. Players that
 * find a complete sidx (FFmpeg, hence ffprobe and Chromium's <video>) take the duration and seek points from the
 * header instead of reading every moof.
 */
import { box, fullBox, writeU64 } from './fmp4-boxes';

/** sidx references per track the reserve holds; more fragments are grouped (several fragments per reference). */
export const INDEX_REFS = 1024;
const SIDX_HEAD = 8 + 4 + 4 + 4 + 8 + 8 + 4;
const sidxSize = (refs: number): number => SIDX_HEAD + 12 * refs;

export interface DurationField {
  offset: number;
  size: 4 | 8;
}

export interface TrackLayout {
  id: number;
  timescale: number;
  /** trex default_sample_duration */
  defaultDuration: number;
  tkhd: DurationField;
  mdhd: DurationField;
}

/** Where a recording's duration fields and index reserve are (file offsets). */
export interface Fmp4Layout {
  movieTimescale: number;
  mvhd: DurationField;
  mehd: DurationField | null;
  tracks: TrackLayout[];
  /** the span after moov holding only free/skip/sidx boxes: where the index goes */
  reserve: { offset: number; size: number } | null;
}

/** One moof+mdat of the file. */
export interface FragmentRef {
  offset: number;
  /** moof + mdat bytes */
  size: number;
  /** per track id: first decode time, end decode time, earliest presentation time, starts with a sync sample */
  tracks: Map<number, { base: number; end: number; ept: number; sync: boolean }>;
}

type Visit = (type: string, start: number, body: number, end: number) => void;

/** The boxes in b[start, end); a box running past `end` stops the walk. */
export function walkBoxes(b: Buffer, start: number, end: number, fn: Visit): void {
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
    fn(type, p, p + head, p + size);
    p += size;
  }
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'mvex']);

/** A version 0 mvhd/tkhd/mdhd body (after version+flags) as version 1: 64-bit times and duration. */
function widen(type: string, body: Buffer): Buffer {
  // creation(4) modification(4) then: mvhd/mdhd timescale(4) duration(4); tkhd track_ID(4) reserved(4) duration(4)
  const fixed = type === 'tkhd' ? 16 : 12; // where the duration is
  const out = Buffer.alloc(body.length + 12);
  writeU64(out, body.readUInt32BE(0), 0);
  writeU64(out, body.readUInt32BE(4), 8);
  body.copy(out, 16, 8, fixed); // timescale, or track_ID + reserved
  writeU64(out, body.readUInt32BE(fixed), 16 + fixed - 8);
  body.copy(out, 16 + fixed, fixed + 4);
  return out;
}

function upgrade(b: Buffer, start: number, end: number): Buffer[] {
  const out: Buffer[] = [];
  walkBoxes(b, start, end, (type, s, body, e) => {
    if (CONTAINERS.has(type)) {
      const kids = upgrade(b, body, e);
      if (type === 'mvex' && !kids.some((k) => k.toString('latin1', 4, 8) === 'mehd')) kids.unshift(fullBox('mehd', 1, 0, Buffer.alloc(8)));
      out.push(box(type, ...kids));
    } else if ((type === 'mvhd' || type === 'tkhd' || type === 'mdhd') && b[body] === 0) {
      out.push(fullBox(type, 1, b.readUInt32BE(body) & 0xffffff, widen(type, b.subarray(body + 4, e))));
    } else out.push(b.subarray(s, e));
  });
  return out;
}

/** The init segment (ftyp + moov) with version 1 duration fields and an mehd, then the index reserve. */
export function recordingHead(init: Buffer): Buffer {
  const parts = upgrade(init, 0, init.length);
  let tracks = 0;
  walkBoxes(init, 0, init.length, (type, _s, body, e) => {
    if (type === 'moov') walkBoxes(init, body, e, (t) => (tracks += t === 'trak' ? 1 : 0));
  });
  parts.push(box('free', Buffer.alloc(Math.max(1, tracks) * sidxSize(INDEX_REFS))));
  return Buffer.concat(parts);
}

const field = (b: Buffer, s: number, v1: number, v0: number): DurationField =>
  b[s + 8] === 1 ? { offset: s + v1, size: 8 } : { offset: s + v0, size: 4 };

/** Find the duration fields and the reserve in the head of a file (everything before its first moof). */
export function layoutOf(head: Buffer): Fmp4Layout | null {
  let layout: Fmp4Layout | null = null;
  let reserve: { offset: number; size: number } | null = null;
  let afterMoov = false;
  let stop = false;
  walkBoxes(head, 0, head.length, (type, s, body, e) => {
    if (stop) return;
    if (type === 'moov') {
      layout = parseMoov(head, body, e);
      afterMoov = true;
    } else if (afterMoov && (type === 'free' || type === 'skip' || type === 'sidx')) {
      reserve = reserve ? { offset: reserve.offset, size: e - reserve.offset } : { offset: s, size: e - s };
    } else if (afterMoov) stop = true;
  });
  if (!layout) return null;
  return { ...(layout as Fmp4Layout), reserve };
}

function parseMoov(b: Buffer, start: number, end: number): Fmp4Layout | null {
  let mvhd: DurationField | null = null;
  let mehd: DurationField | null = null;
  let movieTimescale = 0;
  const tracks: TrackLayout[] = [];
  const defaults = new Map<number, number>();
  walkBoxes(b, start, end, (type, s, body, e) => {
    if (type === 'mvhd') {
      mvhd = field(b, s, 32, 24);
      movieTimescale = b.readUInt32BE(s + (b[body] === 1 ? 28 : 20));
    } else if (type === 'trak') {
      let tkhd: DurationField | null = null;
      let mdhd: DurationField | null = null;
      let id = 0;
      let timescale = 0;
      walkBoxes(b, body, e, (t, ts, tb, te) => {
        if (t === 'tkhd') {
          tkhd = field(b, ts, 36, 28);
          id = b.readUInt32BE(ts + (b[tb] === 1 ? 28 : 20));
        } else if (t === 'mdia') {
          walkBoxes(b, tb, te, (m, ms, mb) => {
            if (m !== 'mdhd') return;
            mdhd = field(b, ms, 32, 24);
            timescale = b.readUInt32BE(ms + (b[mb] === 1 ? 28 : 20));
          });
        }
      });
      if (tkhd && mdhd && id > 0 && timescale > 0) tracks.push({ id, timescale, defaultDuration: 0, tkhd, mdhd });
    } else if (type === 'mvex') {
      walkBoxes(b, body, e, (t, ts, tb) => {
        if (t === 'mehd') mehd = field(b, ts, 12, 12);
        if (t === 'trex') defaults.set(b.readUInt32BE(tb + 4), b.readUInt32BE(tb + 12));
      });
    }
  });
  if (!mvhd || movieTimescale <= 0) return null;
  for (const t of tracks) t.defaultDuration = defaults.get(t.id) ?? 0;
  return { movieTimescale, mvhd, mehd, tracks, reserve: null };
}

/** Times of one fragment from its moof box (`moof` starts at the box header); null when it does not parse. */
export function fragmentRef(moof: Buffer, offset: number, size: number, layout: Fmp4Layout): FragmentRef | null {
  const tracks: FragmentRef['tracks'] = new Map();
  const b = moof;
  if (b.length < 8 || b.toString('latin1', 4, 8) !== 'moof') return null;
  walkBoxes(b, 8, Math.min(b.length, b.readUInt32BE(0)), (type, _s, body, end) => {
    if (type !== 'traf') return;
    let id = 0;
    let base = 0;
    let defDur = 0;
    let total = 0;
    let first: { cto: number; sync: boolean } | null = null;
    walkBoxes(b, body, end, (t, _ts, tb, te) => {
      const flags = b.readUInt32BE(tb) & 0xffffff;
      if (t === 'tfhd') {
        id = b.readUInt32BE(tb + 4);
        const o = tb + 8 + (flags & 0x1 ? 8 : 0) + (flags & 0x2 ? 4 : 0);
        defDur = flags & 0x8 ? b.readUInt32BE(o) : (layout.tracks.find((x) => x.id === id)?.defaultDuration ?? 0);
      } else if (t === 'tfdt') {
        base = b[tb] === 1 ? Number(b.readBigUInt64BE(tb + 4)) : b.readUInt32BE(tb + 4);
      } else if (t === 'trun') {
        const count = b.readUInt32BE(tb + 4);
        let o = tb + 8 + (flags & 0x1 ? 4 : 0);
        const firstFlags = flags & 0x4 ? b.readUInt32BE(o) : null;
        o += flags & 0x4 ? 4 : 0;
        const per = (flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0) + (flags & 0x400 ? 4 : 0) + (flags & 0x800 ? 4 : 0);
        for (let i = 0; i < count && o + per <= te; i++, o += per) {
          let f = o;
          if (flags & 0x100) total += b.readUInt32BE(f);
          else total += defDur;
          f += flags & 0x100 ? 4 : 0;
          f += flags & 0x200 ? 4 : 0;
          const sFlags = flags & 0x400 ? b.readUInt32BE(f) : 0;
          f += flags & 0x400 ? 4 : 0;
          const cto = flags & 0x800 ? (b[tb] === 1 ? b.readInt32BE(f) : b.readUInt32BE(f)) : 0;
          if (i === 0) first = { cto, sync: ((firstFlags ?? sFlags) & 0x10000) === 0 };
        }
      }
    });
    if (id <= 0) return;
    const f = first as { cto: number; sync: boolean } | null;
    tracks.set(id, { base, end: base + total, ept: base + Math.max(0, f?.cto ?? 0), sync: f?.sync ?? true });
  });
  return { offset, size, tracks };
}

/** The end decode time of every track over these fragments. */
export function trackEnds(frags: readonly FragmentRef[]): Map<number, number> {
  const ends = new Map<number, number>();
  for (const f of frags) for (const [id, t] of f.tracks) ends.set(id, Math.max(ends.get(id) ?? 0, t.end));
  return ends;
}

function number(field: DurationField, v: number): { offset: number; data: Buffer } {
  const data = Buffer.alloc(field.size);
  if (field.size === 8) writeU64(data, Math.max(0, Math.floor(v)), 0);
  else data.writeUInt32BE(Math.min(0xffffffff, Math.max(0, Math.floor(v))), 0);
  return { offset: field.offset, data };
}

/** The writes that set mvhd/mehd/tkhd/mdhd durations from each track's end decode time (track timescale). */
export function durationWrites(layout: Fmp4Layout, ends: ReadonlyMap<number, number>): Array<{ offset: number; data: Buffer }> {
  const out: Array<{ offset: number; data: Buffer }> = [];
  let movie = 0;
  for (const t of layout.tracks) {
    const end = ends.get(t.id) ?? 0;
    const inMovie = Math.round((end * layout.movieTimescale) / t.timescale);
    movie = Math.max(movie, inMovie);
    out.push(number(t.mdhd, end), number(t.tkhd, inMovie));
  }
  out.push(number(layout.mvhd, movie));
  if (layout.mehd) out.push(number(layout.mehd, movie));
  return out;
}

function sidx(t: TrackLayout, frags: readonly FragmentRef[], refs: number, firstOffset: number): Buffer {
  const per = Math.ceil(frags.length / refs);
  const groups: FragmentRef[][] = [];
  for (let i = 0; i < frags.length; i += per) groups.push(frags.slice(i, i + per));
  const b = Buffer.alloc(sidxSize(refs) - 12);
  const first = frags[0].tracks.get(t.id);
  b.writeUInt32BE(t.id, 0);
  b.writeUInt32BE(t.timescale, 4);
  writeU64(b, first?.ept ?? 0, 8);
  writeU64(b, firstOffset, 16);
  b.writeUInt16BE(groups.length, 26);
  let o = 28;
  let prevEnd = first?.base ?? 0;
  for (const g of groups) {
    let size = 0;
    for (const f of g) size += f.size;
    const end = Math.max(prevEnd, ...g.map((f) => f.tracks.get(t.id)?.end ?? prevEnd));
    const head = g[0].tracks.get(t.id);
    b.writeUInt32BE(size & 0x7fffffff, o);
    b.writeUInt32BE(Math.min(0xffffffff, end - prevEnd), o + 4);
    b.writeUInt32BE(head?.sync === false ? 0 : 0x90000000, o + 8); // starts_with_SAP 1, SAP_type 1
    o += 12;
    prevEnd = end;
  }
  return fullBox('sidx', 1, 0, b.subarray(0, o));
}

/**
 * Everything close writes: the durations, and (when the file has a reserve big enough) one sidx per track plus a
 * free filler in the reserve, indexing `frags` — which must be every fragment, in order, up to the end of the file.
 */
export function indexWrites(layout: Fmp4Layout, frags: readonly FragmentRef[]): Array<{ offset: number; data: Buffer }> {
  const out = durationWrites(layout, trackEnds(frags));
  const r = layout.reserve;
  const n = layout.tracks.length;
  if (!r || frags.length === 0 || n === 0 || frags.some((f) => f.size > 0x7fffffff)) return out;
  const refs = Math.min(INDEX_REFS, Math.floor((r.size - 8) / n / 12) - 4, frags.length);
  if (refs < 1 || frags[0].offset !== r.offset + r.size) return out;
  const per = Math.ceil(frags.length / refs);
  const groups = Math.ceil(frags.length / per);
  const total = n * sidxSize(groups);
  if (total + 8 > r.size && total !== r.size) return out;
  const boxes = layout.tracks.map((t, i) => sidx(t, frags, groups, (n - 1 - i) * sidxSize(groups) + (r.size - total)));
  const filler = r.size - total;
  if (filler > 0) boxes.push(box('free', Buffer.alloc(filler - 8)));
  out.push({ offset: r.offset, data: Buffer.concat(boxes) });
  return out;
}
