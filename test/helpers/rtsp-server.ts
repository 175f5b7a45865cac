/**
 * A small RTSP server for tests (RTP over TCP, interleaved): ffmpeg packetizes a file to RTP (`-f rtp`, its SDP
 * through -sdp_file) on local UDP ports; this server answers OPTIONS / DESCRIBE / SETUP / PLAY / TEARDOWN with
 * that SDP and forwards every RTP packet to each playing client as `$ channel length packet` frames.
 * (ffmpeg's own rtsp muxer cannot listen, and no RTSP server package is installed here.) Only TCP transport:
 * a client asking for UDP gets 461, as a TCP-only camera answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FFMPEG } from './ffmpeg';
import { waitFor } from './studio';

export interface RtspServer {
  url: string;
  /** RTSP sessions that reached PLAY */
  plays: number;
  close(): Promise<void>;
}

function udp(): Promise<dgram.Socket> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

/** Serve `file` (H.264 + AAC, looped at its own pace) as rtsp://127.0.0.1:<port>/cam. */
export async function startRtspServer(file: string): Promise<RtspServer> {
  const socks = [await udp(), await udp()];
  const ports = socks.map((s) => s.address().port);
  const sdpFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'onair-rtsp-')), 'cam.sdp');
  const ff: ChildProcess = spawn(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', file,
    '-map', '0:v', '-c', 'copy', '-f', 'rtp', `rtp://127.0.0.1:${ports[0]}?rtcpport=${ports[0]}`,
    '-map', '0:a', '-c', 'copy', '-f', 'rtp', `rtp://127.0.0.1:${ports[1]}?rtcpport=${ports[1]}`,
    '-sdp_file', sdpFile,
  ], { stdio: 'ignore' });
  await waitFor(() => existsSync(sdpFile) && /m=audio/.test(readFileSync(sdpFile, 'utf8')), 'ffmpeg RTP SDP', 10_000);
  let track = 0;
  const sdp = readFileSync(sdpFile, 'utf8').split(/\r?\n/).filter((l) => l && !l.startsWith('c=')).flatMap((l) => {
    if (!l.startsWith('m=')) return [l];
    return [l.replace(/^m=(\w+) \d+/, 'm=$1 0'), 'c=IN IP4 0.0.0.0', `a=control:trackID=${track++}`];
  }).join('\r\n') + '\r\n';

  const playing = new Set<net.Socket>();
  const server: RtspServer = { url: '', plays: 0, close: async () => undefined };
  socks.forEach((s, i) => s.on('message', (pkt) => {
    if (pkt.length < 2 || (pkt[1] >= 200 && pkt[1] <= 204)) return; // RTCP sender reports: not forwarded
    const head = Buffer.from([0x24, i * 2, pkt.length >> 8, pkt.length & 0xff]);
    for (const c of playing) if (c.writableLength < 4 * 1024 * 1024) c.write(Buffer.concat([head, pkt]));
  }));

  const tcp = net.createServer((c) => {
    let buf = '';
    c.on('error', () => undefined);
    c.on('close', () => playing.delete(c));
    c.on('data', (d) => {
      buf += d.toString('latin1');
      // interleaved frames from the client (RTCP receiver reports): skipped
      while (buf.startsWith('$') && buf.length >= 4 && buf.length >= 4 + ((buf.charCodeAt(2) << 8) | buf.charCodeAt(3))) buf = buf.slice(4 + ((buf.charCodeAt(2) << 8) | buf.charCodeAt(3)));
      if (buf.startsWith('$')) return;
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const req = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const [method, uri] = req.split(' ');
        const cseq = /CSeq:\s*(\d+)/i.exec(req)?.[1] ?? '0';
        const reply = (status: string, headers: string[] = [], body = ''): void => {
          const h = [`RTSP/1.0 ${status}`, `CSeq: ${cseq}`, ...headers];
          if (body) h.push(`Content-Length: ${Buffer.byteLength(body)}`);
          c.write(`${h.join('\r\n')}\r\n\r\n${body}`);
        };
        if (method === 'OPTIONS') reply('200 OK', ['Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN']);
        else if (method === 'DESCRIBE') reply('200 OK', [`Content-Base: ${uri.replace(/\/?$/, '/')}`, 'Content-Type: application/sdp'], sdp);
        else if (method === 'SETUP') {
          const t = /Transport:\s*([^\r\n]+)/i.exec(req)?.[1] ?? '';
          const ch = /trackID=(\d+)/.exec(uri)?.[1] ?? '0';
          if (!/TCP/i.test(t)) reply('461 Unsupported Transport');
          else reply('200 OK', [`Transport: RTP/AVP/TCP;unicast;interleaved=${Number(ch) * 2}-${Number(ch) * 2 + 1}`, 'Session: 12345678;timeout=60']);
        } else if (method === 'PLAY') {
          reply('200 OK', ['Session: 12345678', 'Range: npt=0.000-']);
          playing.add(c);
          server.plays++;
        } else if (method === 'TEARDOWN') {
          reply('200 OK', ['Session: 12345678']);
          c.end();
        } else if (method && !method.startsWith('$')) reply('405 Method Not Allowed');
      }
    });
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  server.url = `rtsp://127.0.0.1:${(tcp.address() as net.AddressInfo).port}/cam`;
  server.close = async () => {
    for (const c of playing) c.destroy();
    await new Promise<void>((r) => tcp.close(() => r()));
    for (const s of socks) s.close();
    if (ff.exitCode === null && ff.signalCode === null) {
      const gone = new Promise((r) => ff.once('exit', r));
      ff.kill('SIGKILL');
      await gone;
    }
  };
  return server;
}
