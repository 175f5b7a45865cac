import net from 'node:net';
import { ChunkReader } from '../../core/format/rtmp/rtmp-chunk';
import { decodeCommand, MSG } from '../../core/format/rtmp/rtmp-messages';
import type { Rand } from './prng';
import { randomSlices } from './prng';

export interface RawResult {
  /** the server closed the connection (or we timed out and closed it) */
  closedByServer: boolean;
  reply: Buffer;
}

/** Send raw client bytes (in random slices when `rand` is given); collect the server's reply until it closes or `waitMs` passes. */
export async function rawSession(port: number, bytes: Buffer, opts: { rand?: Rand; waitMs?: number } = {}): Promise<RawResult> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let closedByServer = false;
  socket.on('data', (d: Buffer) => chunks.push(d));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) =>
    socket.on('close', () => {
      r();
    }),
  );
  socket.on('end', () => {
    closedByServer = true;
  });
  await new Promise<void>((r, j) => {
    socket.once('connect', r);
    socket.once('error', j);
  });
  const slices = opts.rand ? randomSlices(opts.rand, bytes, 8192) : [bytes];
  for (const s of slices) {
    if (socket.destroyed) break;
    socket.write(s);
  }
  const timer = setTimeout(() => socket.destroy(), opts.waitMs ?? 1500);
  await closed;
  clearTimeout(timer);
  return { closedByServer, reply: Buffer.concat(chunks) };
}

/** Decode the server's reply after S0+S1+S2 into onStatus / _result command names and codes. */
export function replyCommands(reply: Buffer): Array<{ name: string; code?: string }> {
  if (reply.length <= 3073) return [];
  const out: Array<{ name: string; code?: string }> = [];
  const msgs = new ChunkReader().push(reply.subarray(3073));
  for (const m of msgs) {
    if (m.type !== MSG.COMMAND_AMF0) continue;
    const c = decodeCommand(m);
    const info = (c.args[0] ?? {}) as Record<string, unknown>;
    out.push({ name: c.name, code: typeof info.code === 'string' ? info.code : undefined });
  }
  return out;
}
