import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { fragmentRef, indexWrites, layoutOf, trackEnds, type Fmp4Layout, type FragmentRef } from '../format/fmp4/fmp4-index';

/**
 * After a crash: what a live fragmented MP4 holds. Walks the top-level boxes (reading only their headers, the
 * head before the first fragment, and each moof in full), keeps everything up to the last complete moof+mdat
 * pair, and measures the media time from tfdt + trun sample durations. `finalizeFmp4` cuts a torn tail off the
 * file and writes what a clean close writes: the real durations and the sidx (core/format/fmp4/fmp4-index.ts).
 */

export interface Fmp4Scan {
  /** bytes that form complete boxes (a moof without its whole mdat is not counted) */
  validBytes: number;
  size: number;
  /** media time up to the end of the last complete fragment, ms */
  durationMs: number;
  fragments: number;
}

interface FullScan extends Fmp4Scan {
  layout: Fmp4Layout | null;
  refs: FragmentRef[];
}

const MAX_META = 32 * 1024 * 1024;

/** The longest track's end, ms (as the header's mvhd says it), from the fragments or their track ends. */
export function durationMsOf(layout: Fmp4Layout | null, refs: readonly FragmentRef[], ends: ReadonlyMap<number, number> = trackEnds(refs)): number {
  let ms = 0;
  for (const [id, end] of ends) {
    const ts = layout?.tracks.find((t) => t.id === id)?.timescale ?? 0;
    if (ts > 0) ms = Math.max(ms, Math.round((end * 1000) / ts));
  }
  return ms;
}

function scan(fd: number): FullScan {
  const size = fstatSync(fd).size;
  const head = Buffer.alloc(16);
  const refs: FragmentRef[] = [];
  let layout: Fmp4Layout | null = null;
  let headDone = false;
  let pos = 0;
  let valid = 0;
  let moof: FragmentRef | null = null;
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
    if (!headDone && type !== 'ftyp' && type !== 'moov' && type !== 'free' && type !== 'skip' && type !== 'sidx') {
      headDone = true;
      if (pos > MAX_META) break;
      const h = Buffer.alloc(pos);
      readSync(fd, h, 0, pos, 0);
      layout = layoutOf(h);
    }
    if (type === 'moof') {
      if (boxSize > MAX_META || !layout) break;
      const b = Buffer.alloc(boxSize);
      readSync(fd, b, 0, boxSize, pos);
      try {
        moof = fragmentRef(b, pos, boxSize, layout);
      } catch {
        break; // a box that does not parse ends what can be trusted
      }
      if (!moof) break;
      pos += boxSize;
      continue; // counted once its mdat is complete
    }
    pos += boxSize;
    if (type === 'mdat' && moof) {
      refs.push({ ...moof, size: pos - moof.offset });
      moof = null;
    }
    valid = pos;
  }
  return { validBytes: valid, size, durationMs: durationMsOf(layout, refs), fragments: refs.length, layout, refs };
}

export function scanFmp4(file: string): Fmp4Scan {
  const fd = openSync(file, 'r');
  try {
    const { layout: _l, refs: _r, ...s } = scan(fd);
    return s;
  } finally {
    closeSync(fd);
  }
}

/** Write `indexWrites` through an open fd (positional; the boxes keep their sizes). */
export function writeIndex(fd: number, layout: Fmp4Layout, refs: readonly FragmentRef[]): void {
  for (const w of indexWrites(layout, refs)) writeSync(fd, w.data, 0, w.data.length, w.offset);
}

/** Scan, cut a torn last fragment off, and write the durations and index, so every player reads the file to its end. */
export function finalizeFmp4(file: string): Fmp4Scan {
  const fd = openSync(file, 'r+');
  try {
    const { layout, refs, ...s } = scan(fd);
    if (s.validBytes < s.size) ftruncateSync(fd, s.validBytes);
    if (layout) writeIndex(fd, layout, refs);
    return { ...s, size: s.validBytes };
  } finally {
    closeSync(fd);
  }
}
