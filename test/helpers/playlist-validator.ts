import { createHash } from 'node:crypto';

/**
 * Rules for live HLS / LL-HLS playlists and DASH MPDs, checked over a series of captures of the same stream
 * (RFC 8216 / rfc8216bis, ISO 23009-1). Every check appends a readable problem; a test asserts `problems` is
 * empty and reads the counters (discontinuities, timeline gaps).
 */

interface Part { uri: string; duration: number; independent: boolean }
interface Seg { msn: number; dsn: number; uri: string | null; duration: number; pdt: number | null; parts: Part[]; map: string | null }

const TAIL_OK = /^#EXT-X-(ENDLIST|PRELOAD-HINT|RENDITION-REPORT|SKIP)\b/;

/** Parse one media playlist (TS or LL-HLS); problems of the text itself are pushed to `problems`. */
export function parseMediaPlaylist(text: string, problems: string[]): { target: number; partTarget: number | null; msn: number; dsn: number; segs: Seg[]; ended: boolean } {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines[0] !== '#EXTM3U') problems.push('playlist does not start with #EXTM3U');
  const num = (tag: string): number | null => {
    const l = lines.find((x) => x.startsWith(`#${tag}:`));
    return l ? Number(l.slice(tag.length + 2).split(',')[0]) : null;
  };
  const target = num('EXT-X-TARGETDURATION') ?? NaN;
  const pt = /PART-TARGET=([\d.]+)/.exec(text);
  const msn0 = num('EXT-X-MEDIA-SEQUENCE') ?? 0;
  const dsn0 = num('EXT-X-DISCONTINUITY-SEQUENCE') ?? 0;
  const segs: Seg[] = [];
  let cur: Seg = { msn: msn0, dsn: dsn0, uri: null, duration: NaN, pdt: null, parts: [], map: null };
  let open = false; // a tag scoped to the next segment was seen and no URI/part has followed yet
  let map: string | null = null;
  let lastContent = -1;
  lines.forEach((l, i) => {
    if (l.startsWith('#EXT-X-DISCONTINUITY') && !l.startsWith('#EXT-X-DISCONTINUITY-SEQUENCE')) {
      cur.dsn++;
      open = true;
    } else if (l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) {
      cur.pdt = Date.parse(l.slice(25));
      open = true;
    } else if (l.startsWith('#EXT-X-MAP:')) {
      map = /URI="([^"]+)"/.exec(l)?.[1] ?? null;
      open = true;
    } else if (l.startsWith('#EXTINF:')) {
      cur.duration = Number(l.slice(8).split(',')[0]);
      open = true;
    } else if (l.startsWith('#EXT-X-PART:')) {
      cur.parts.push({ uri: /URI="([^"]+)"/.exec(l)![1], duration: Number(/DURATION=([\d.]+)/.exec(l)![1]), independent: /INDEPENDENT=YES/.test(l) });
      lastContent = i;
    } else if (!l.startsWith('#')) {
      cur.uri = l;
      cur.map = map;
      if (!Number.isFinite(cur.duration)) problems.push(`segment ${l} has no EXTINF`);
      segs.push(cur);
      cur = { msn: cur.msn + 1, dsn: cur.dsn, uri: null, duration: NaN, pdt: null, parts: [], map: null };
      open = false;
      lastContent = i;
    }
  });
  if (cur.parts.length) {
    cur.map = map;
    segs.push(cur); // the open LL-HLS segment
  } else if (open) problems.push('a segment tag (PROGRAM-DATE-TIME, DISCONTINUITY, MAP or EXTINF) with no segment after it');
  for (const l of lines.slice(lastContent + 1)) if (l.startsWith('#EXT-X-') && !TAIL_OK.test(l) && !/^#EXT-X-(DISCONTINUITY|PROGRAM-DATE-TIME|MAP)/.test(l)) problems.push(`unexpected trailing tag ${l}`);
  return { target, partTarget: pt ? Number(pt[1]) : null, msn: msn0, dsn: dsn0, segs, ended: lines.includes('#EXT-X-ENDLIST') };
}

/** A series of captures of one live media playlist. */
export class HlsHistory {
  readonly problems: string[] = [];
  private target: number | null = null;
  private partTarget: number | null = null;
  private lastMsn = -1;
  private lastDsn = -1;
  /** msn -> what every capture must agree on */
  private readonly seen = new Map<number, { uri: string; duration: number; dsn: number }>();
  private readonly byUri = new Map<string, number>();
  captures = 0;

  constructor(readonly label: string) {}

  add(text: string): void {
    const p = (m: string): void => void this.problems.push(`${this.label} capture ${this.captures}: ${m}`);
    const probs: string[] = [];
    const pl = parseMediaPlaylist(text, probs);
    probs.forEach(p);
    this.captures++;
    if (this.target === null) this.target = pl.target;
    else if (pl.target !== this.target) p(`TARGETDURATION changed ${this.target} -> ${pl.target}`);
    if (pl.partTarget !== null) {
      if (this.partTarget === null) this.partTarget = pl.partTarget;
      else if (pl.partTarget !== this.partTarget) p(`PART-TARGET changed ${this.partTarget} -> ${pl.partTarget}`);
    }
    if (pl.msn < this.lastMsn) p(`MEDIA-SEQUENCE went back ${this.lastMsn} -> ${pl.msn}`);
    if (pl.dsn < this.lastDsn) p(`DISCONTINUITY-SEQUENCE went back ${this.lastDsn} -> ${pl.dsn}`);
    this.lastMsn = pl.msn;
    this.lastDsn = pl.dsn;
    pl.segs.forEach((s, i) => {
      if (s.uri !== null) {
        if (Math.round(s.duration) > pl.target) p(`EXTINF ${s.duration} of ${s.uri} rounds above TARGETDURATION ${pl.target}`);
        const was = this.seen.get(s.msn);
        if (was && (was.uri !== s.uri || Math.abs(was.duration - s.duration) > 0.0005 || was.dsn !== s.dsn)) p(`segment ${s.msn} changed: ${JSON.stringify(was)} -> ${s.uri} ${s.duration} dsn ${s.dsn}`);
        const otherMsn = this.byUri.get(s.uri);
        if (otherMsn !== undefined && otherMsn !== s.msn) p(`URI ${s.uri} names segments ${otherMsn} and ${s.msn}`);
        this.seen.set(s.msn, { uri: s.uri, duration: s.duration, dsn: s.dsn });
        this.byUri.set(s.uri, s.msn);
      }
      const next = pl.segs[i + 1];
      if (next && s.pdt !== null && next.pdt !== null && next.dsn === s.dsn && s.uri !== null) {
        const drift = next.pdt - (s.pdt + s.duration * 1000);
        if (Math.abs(drift) > 50) p(`PROGRAM-DATE-TIME of segment ${next.msn} is ${drift} ms off the previous one + its duration`);
      }
      if (pl.partTarget !== null) this.checkParts(s, pl.partTarget, p);
    });
  }

  private checkParts(s: Seg, target: number, p: (m: string) => void): void {
    let sum = 0;
    s.parts.forEach((part, j) => {
      sum += part.duration;
      if (part.duration > target + 0.0015) p(`part ${part.uri} (${part.duration}) is longer than PART-TARGET ${target}`);
      const lastOfSegment = j === s.parts.length - 1;
      if (!lastOfSegment && !part.independent && part.duration < target * 0.85 - 0.0015) p(`part ${part.uri} (${part.duration}) is under 85 % of PART-TARGET ${target}`);
    });
    if (s.uri !== null && s.parts.length && Math.abs(sum - s.duration) > 0.002 * s.parts.length) p(`parts of ${s.uri} add up to ${sum.toFixed(3)}, EXTINF ${s.duration}`);
  }

  /** distinct discontinuities seen over all captures */
  get discontinuities(): number {
    const dsns = new Set([...this.seen.values()].map((x) => x.dsn));
    return dsns.size === 0 ? 0 : Math.max(...dsns) - Math.min(...dsns);
  }

  /** every complete segment seen, by media sequence number */
  get segments(): Map<number, { uri: string; duration: number; dsn: number }> {
    return this.seen;
  }
}

/** Same URL, same bytes: a URL served immutable must never change content. */
export class UriContent {
  readonly problems: string[] = [];
  private readonly hashes = new Map<string, string>();

  record(uri: string, bytes: Buffer): void {
    const key = uri.replace(/\?.*$/, '');
    const h = createHash('sha256').update(bytes).digest('hex');
    const was = this.hashes.get(key);
    if (was && was !== h) this.problems.push(`${key} was served with different bytes`);
    this.hashes.set(key, h);
  }

  get size(): number {
    return this.hashes.size;
  }
}

export interface MpdTrackTimes { kind: string; timescale: number; startNumber: number; media: string; init: string; s: Array<{ t: number; d: number }> }

export function parseMpd(text: string): { type: string; ast: number | null; utcTiming: string | null; periods: number; tracks: MpdTrackTimes[] } {
  const attr = (el: string, name: string): string | null => new RegExp(`\\s${name}="([^"]*)"`).exec(el)?.[1] ?? null;
  const mpd = /<MPD\b[^>]*>/.exec(text)?.[0] ?? '';
  const tracks = [...text.matchAll(/<AdaptationSet\b([^>]*)>([\s\S]*?)<\/AdaptationSet>/g)].map((m) => {
    const tpl = /<SegmentTemplate\b[^>]*>/.exec(m[2])?.[0] ?? '';
    return {
      kind: attr(m[1], 'contentType') ?? '?',
      timescale: Number(attr(tpl, 'timescale') ?? 1),
      startNumber: Number(attr(tpl, 'startNumber') ?? 1),
      media: (attr(tpl, 'media') ?? '').replace(/&amp;/g, '&'),
      init: (attr(tpl, 'initialization') ?? '').replace(/&amp;/g, '&'),
      s: [...m[2].matchAll(/<S\b([^>]*)\/>/g)].map((x) => ({ t: Number(attr(x[1], 't')), d: Number(attr(x[1], 'd')) })),
    };
  });
  const ast = attr(mpd, 'availabilityStartTime');
  const utc = /<UTCTiming\b[^>]*value="([^"]+)"/.exec(text);
  return { type: attr(mpd, 'type') ?? '?', ast: ast ? Date.parse(ast) : null, utcTiming: utc ? utc[1] : null, periods: (text.match(/<Period\b/g) ?? []).length, tracks };
}

/** A series of captures of one live MPD. */
export class MpdHistory {
  readonly problems: string[] = [];
  private ast: number | null = null;
  /** kind/number -> t */
  private readonly numbers = new Map<string, number>();
  private readonly gapsSeen = new Set<string>();
  captures = 0;

  /** `early`/`late`: how far (ms) the newest segment's end may be after now, or before it */
  constructor(readonly label: string, private readonly tol = { early: 500, late: 6000 }) {}

  add(text: string, now = Date.now()): void {
    const p = (m: string): void => void this.problems.push(`${this.label} capture ${this.captures}: ${m}`);
    this.captures++;
    const m = parseMpd(text);
    if (m.type !== 'dynamic') return p(`MPD type ${m.type}`);
    if (m.ast === null) return p('no availabilityStartTime');
    if (!m.utcTiming) p('no UTCTiming');
    if (this.ast === null) this.ast = m.ast;
    else if (m.ast !== this.ast) p(`availabilityStartTime moved by ${m.ast - this.ast} ms`);
    if (!m.tracks.length) p('no AdaptationSet');
    for (const t of m.tracks) {
      if (!t.s.length) {
        p(`${t.kind}: empty SegmentTimeline`);
        continue;
      }
      t.s.forEach((s, i) => {
        const key = `${t.kind}/${t.media}/${t.startNumber + i}`;
        const was = this.numbers.get(key);
        if (was !== undefined && was !== s.t) p(`${key} moved from t=${was} to t=${s.t}`);
        this.numbers.set(key, s.t);
        const next = t.s[i + 1];
        if (!next) return;
        if (next.t < s.t + s.d) p(`${t.kind}: segments overlap at t=${next.t}`);
        else if (next.t > s.t + s.d) {
          const gap = next.t - (s.t + s.d);
          if (gap < t.timescale / 10) p(`${t.kind}: ${gap}-tick rounding gap at t=${next.t}`);
          this.gapsSeen.add(`${t.kind}@${next.t}`);
        }
      });
      const last = t.s[t.s.length - 1];
      const endWall = m.ast + ((last.t + last.d) / t.timescale) * 1000;
      if (endWall > now + this.tol.early) p(`${t.kind}: newest segment ends ${endWall - now} ms after now (AST + timeline ahead of the clock)`);
      if (endWall < now - this.tol.late) p(`${t.kind}: newest segment ended ${now - endWall} ms before now (AST + timeline behind the clock)`);
    }
  }

  /** timeline gaps (reconnects) seen per track kind */
  gaps(kind: string): number {
    return [...this.gapsSeen].filter((g) => g.startsWith(`${kind}@`)).length;
  }
}
