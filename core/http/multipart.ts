import { OnAirError } from '../errors';

/**
 * A streaming multipart/form-data parser (RFC 7578 / RFC 2046). Push bytes with write(); parts come out
 * through the callbacks as they arrive, so a file part is never held in memory. Pure: no I/O.
 */

export interface PartHeaders {
  /** the form field name */
  name: string;
  /** present for file parts (may be "") */
  filename: string | null;
  contentType: string | null;
}

export interface MultipartHandlers {
  onPart(h: PartHeaders): void;
  onData(chunk: Buffer): void;
  onPartEnd(): void;
}

const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

export function multipartError(message: string): OnAirError {
  return new OnAirError('VALIDATION', `multipart: ${message}`);
}

/** The boundary from a Content-Type header, or null when it is not multipart/form-data. */
export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

/** Parameters of a Content-Disposition header value (quoted strings with \-escapes, or tokens). */
export function parseDisposition(value: string): { type: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) {
    const k = m[1].toLowerCase();
    const v = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
    if (!params.has(k)) params.set(k, v);
  }
  return { type, params };
}

function parseHeaders(block: string): PartHeaders {
  let disposition: string | null = null;
  let contentType: string | null = null;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      if (line.trim()) throw multipartError('malformed part header');
      continue;
    }
    const k = line.slice(0, colon).trim().toLowerCase();
    const v = line.slice(colon + 1).trim();
    if (k === 'content-disposition') disposition = v;
    else if (k === 'content-type') contentType = v;
  }
  if (!disposition) throw multipartError('part without Content-Disposition');
  const d = parseDisposition(disposition);
  if (d.type !== 'form-data') throw multipartError(`Content-Disposition is "${d.type}", not form-data`);
  const name = d.params.get('name');
  if (name === undefined) throw multipartError('part without a name');
  return { name, filename: d.params.get('filename') ?? null, contentType };
}

type State = 'preamble' | 'headers' | 'body' | 'done';

export class MultipartParser {
  /** "\r\n--boundary": what ends every part's body */
  private readonly delim: Buffer;
  private buf: Buffer;
  private state: State = 'preamble';
  private failed: OnAirError | null = null;

  constructor(boundary: string, private readonly h: MultipartHandlers) {
    if (!/^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/.test(boundary) || boundary.endsWith(' ')) throw multipartError('invalid boundary');
    this.delim = Buffer.from(`\r\n--${boundary}`);
    // the first boundary has no CRLF before it: pretend it had
    this.buf = Buffer.from(CRLF);
  }

  get finished(): boolean {
    return this.state === 'done';
  }

  write(chunk: Buffer): void {
    if (this.failed) throw this.failed;
    if (this.state === 'done') return; // epilogue: ignored
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    try {
      this.run();
    } catch (e) {
      this.failed = e instanceof OnAirError ? e : multipartError(String(e));
      throw this.failed;
    }
  }

  /** The body ended: anything short of the closing boundary is a truncated upload. */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.state !== 'done') {
      this.failed = multipartError('body ended before the closing boundary');
      throw this.failed;
    }
  }

  /**
   * What follows a delimiter match at `pos`: the closing "--", transport padding + CRLF (a real
   * boundary; `next` is where the part headers start), 'not' (just data that looks like a boundary), or
   * 'more' (cannot tell yet).
   */
  private afterDelim(pos: number): { close: boolean; next: number } | 'not' | 'more' {
    const b = this.buf;
    if (b.length < pos + 2) return 'more';
    if (b[pos] === 0x2d && b[pos + 1] === 0x2d) return { close: true, next: pos + 2 };
    let j = pos;
    while (j < b.length && (b[j] === 0x20 || b[j] === 0x09)) {
      if (++j - pos > 256) return 'not';
    }
    if (j + 1 >= b.length) return 'more';
    return b[j] === 0x0d && b[j + 1] === 0x0a ? { close: false, next: j + 2 } : 'not';
  }

  /** Find the next real boundary; in the body, everything before it is the part's data. */
  private scan(body: boolean): boolean {
    let from = 0;
    for (;;) {
      const i = this.buf.indexOf(this.delim, from);
      if (i < 0) {
        // keep just enough to recognise a boundary split across chunks
        const keep = this.delim.length - 1;
        if (this.buf.length > keep) {
          if (body) this.h.onData(this.buf.subarray(0, this.buf.length - keep));
          this.buf = Buffer.from(this.buf.subarray(this.buf.length - keep));
        }
        return false;
      }
      const r = this.afterDelim(i + this.delim.length);
      if (r === 'not') {
        from = i + 1;
        continue;
      }
      if (r === 'more') {
        if (body && i > 0) this.h.onData(this.buf.subarray(0, i));
        this.buf = Buffer.from(this.buf.subarray(i));
        return false;
      }
      if (body) {
        if (i > 0) this.h.onData(this.buf.subarray(0, i));
        this.h.onPartEnd();
      }
      if (r.close) {
        this.state = 'done';
        this.buf = Buffer.alloc(0);
        return false;
      }
      this.buf = this.buf.subarray(r.next);
      this.state = 'headers';
      return true;
    }
  }

  private run(): void {
    for (;;) {
      switch (this.state) {
        case 'preamble':
          if (!this.scan(false)) return;
          break;
        case 'headers': {
          // a part with no headers at all starts with the blank line itself
          const i = this.buf.length >= 2 && this.buf[0] === 0x0d && this.buf[1] === 0x0a ? -2 : this.buf.indexOf(HEADER_END);
          if (i === -1) {
            if (this.buf.length > MAX_HEADER_BYTES) throw multipartError('part headers too large');
            return;
          }
          if (i > MAX_HEADER_BYTES) throw multipartError('part headers too large');
          // browsers send names and file names as raw UTF-8
          const block = i === -2 ? '' : this.buf.subarray(0, i).toString('utf8');
          this.buf = this.buf.subarray(i === -2 ? 2 : i + 4);
          this.h.onPart(parseHeaders(block));
          this.state = 'body';
          break;
        }
        case 'body':
          if (!this.scan(true)) return;
          break;
        case 'done':
          return;
      }
    }
  }
}
