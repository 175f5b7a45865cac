/** What an RTMP client waits for: command results by transaction id, and onStatus codes by stream. */
import type { AmfObject, AmfValue } from '../format/amf/amf';
import { OnAirError, type OnAirErrorCode } from '../errors';

export interface CallResult {
  name: '_result' | '_error';
  commandObject: AmfValue;
  args: AmfValue[];
}

export interface RtmpStatus {
  streamId: number;
  level: string;
  code: string;
  description: string;
  /** the whole info object (servers add fields such as details or clientid) */
  info: AmfObject;
}

interface Pending<T> {
  resolve: (v: T) => void;
  reject: (e: OnAirError) => void;
  timer: NodeJS.Timeout;
}

export class CallTable {
  private readonly pending = new Map<number, Pending<CallResult>>();

  constructor(private readonly timeoutMs: number) {}

  wait(id: number, name: string): Promise<CallResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new OnAirError('IO', `no answer to ${name} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  settle(id: number, r: CallResult): void {
    const p = this.pending.get(id);
    if (!p) return; // an answer to a command we did not wait for (FCPublish, releaseStream…)
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(r);
  }

  failAll(e: OnAirError): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }
}

/** The OnAirError code for a refusal status: Unauthorized (bad sign/key) is AUTH, a missing stream NOT_FOUND. */
export function statusErrorCode(code: string): OnAirErrorCode {
  if (/unauthorized/i.test(code)) return 'AUTH';
  if (code.endsWith('StreamNotFound')) return 'NOT_FOUND';
  return 'REJECTED';
}

interface StatusWait extends Pending<RtmpStatus> {
  streamId: number;
  codes: string[];
  what: string;
}

export class StatusWaiters {
  private readonly list = new Set<StatusWait>();

  wait(streamId: number, codes: string[], what: string, timeoutMs: number): Promise<RtmpStatus> {
    return new Promise((resolve, reject) => {
      const w: StatusWait = {
        streamId, codes, what, resolve, reject,
        timer: setTimeout(() => {
          this.list.delete(w);
          reject(new OnAirError('IO', `no ${codes.join('/')} for ${what} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.list.add(w);
    });
  }

  onStatus(s: RtmpStatus): void {
    for (const w of [...this.list]) {
      if (w.streamId !== s.streamId) continue;
      const refused = s.level === 'error';
      if (!refused && !w.codes.includes(s.code)) continue;
      this.list.delete(w);
      clearTimeout(w.timer);
      if (refused) w.reject(new OnAirError(statusErrorCode(s.code), `${w.what} refused: ${s.code}${s.description ? ` (${s.description})` : ''}`, s));
      else w.resolve(s);
    }
  }

  failAll(e: OnAirError): void {
    for (const w of this.list) {
      clearTimeout(w.timer);
      w.reject(new OnAirError(e.code, `${w.what}: ${e.message}`, e));
    }
    this.list.clear();
  }
}
