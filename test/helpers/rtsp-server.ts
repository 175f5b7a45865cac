/**
 * A real RTSP server for tests: GStreamer's RTSP server (gst-rtsp-server, driven by test/helpers/rtsp-server.py
 * through python3-gi) as its own process on 127.0.0.1 (port 0), fed by ffmpeg: ffmpeg sends the file (H.264 + AAC,
 * looped at its own pace) as MPEG-TS over UDP to the server, which serves it at rtsp://127.0.0.1:<port>/cam
 * over RTP/UDP or RTP/TCP-interleaved, as the client asks (like an IP camera).
 *
 * Needs the Debian packages python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-good and
 * gstreamer1.0-plugins-bad (.ci/run installs them); a missing one fails loudly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { FFMPEG } from './ffmpeg';

/** Debian's interpreter: python3-gi is in its dist-packages (a pyenv python3 on PATH would not see it). */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(import.meta.dirname, 'rtsp-server.py');
const GST = '/usr/lib/x86_64-linux-gnu';
const NEEDED: [string, string][] = [
  [PYTHON, 'python3'],
  ['/usr/lib/python3/dist-packages/gi/__init__.py', 'python3-gi'],
  [`${GST}/girepository-1.0/GstRtspServer-1.0.typelib`, 'gir1.2-gst-rtsp-server-1.0'],
  [`${GST}/gstreamer-1.0/libgstudp.so`, 'gstreamer1.0-plugins-good'],
  [`${GST}/gstreamer-1.0/libgstrtp.so`, 'gstreamer1.0-plugins-good'],
  [`${GST}/gstreamer-1.0/libgstaudioparsers.so`, 'gstreamer1.0-plugins-good'],
  [`${GST}/gstreamer-1.0/libgstmpegtsdemux.so`, 'gstreamer1.0-plugins-bad'],
  [`${GST}/gstreamer-1.0/libgstvideoparsersbad.so`, 'gstreamer1.0-plugins-bad'],
];

export interface RtspServer {
  url: string;
  /** PLAY requests the server answered */
  plays: number;
  /** the Transport header of every SETUP a client sent, e.g. `RTP/AVP/TCP;unicast;interleaved=0-1` */
  setups: string[];
  /** the server's output so far (for failure messages) */
  log(): string;
  /** stop the server and its ffmpeg feed (each killed as a process group) */
  close(): Promise<void>;
}

/** groups still running when the test process exits (a crashed run) are killed too: no orphans */
const running = new Set<ChildProcess>();
process.once('exit', () => { for (const p of running) try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* gone */ } });

function startGroup(bin: string, args: string[], stdio: 'pipe' | 'ignore'): ChildProcess {
  const p = spawn(bin, args, { stdio: ['ignore', stdio, stdio], detached: true });
  running.add(p);
  p.once('exit', () => running.delete(p));
  return p;
}

async function killGroup(p: ChildProcess): Promise<void> {
  running.delete(p);
  if (p.exitCode !== null || p.signalCode !== null || !p.pid) return;
  const gone = new Promise((r) => p.once('exit', r));
  try { process.kill(-p.pid, 'SIGKILL'); } catch { p.kill('SIGKILL'); }
  await gone;
}

/** Serve `file` (H.264 + AAC) as rtsp://127.0.0.1:<port>/cam from GStreamer's RTSP server, fed by ffmpeg. */
export async function startRtspServer(file: string): Promise<RtspServer> {
  for (const [f, pkg] of NEEDED) if (!existsSync(f)) throw new Error(`test tool missing: ${f} (apt-get install ${pkg}; .ci/run installs it)`);
  const gst = startGroup(PYTHON, [SCRIPT], 'pipe');
  let out = '';
  const server: RtspServer = { url: '', plays: 0, setups: [], log: () => out, close: async () => undefined };
  gst.stderr?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
  const ready = new Promise<[number, number]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rtsp server did not start in 15 s: ${out}`)), 15_000);
    gst.once('exit', (code) => { clearTimeout(timer); reject(new Error(`rtsp server exited (${code}): ${out}`)); });
    createInterface({ input: gst.stdout! }).on('line', (line) => {
      out = (out + line + '\n').slice(-20_000);
      const [word, ...rest] = line.split(' ');
      if (word === 'READY') { clearTimeout(timer); resolve([Number(rest[0]), Number(rest[1])]); }
      else if (word === 'SETUP') server.setups.push(rest.join(' '));
      else if (word === 'PLAY') server.plays++;
    });
  });
  let feed: ChildProcess | null = null;
  server.close = async () => { await Promise.all([feed, gst].map((p) => p && killGroup(p))); };
  try {
    const [rtspPort, udpPort] = await ready;
    feed = startGroup(FFMPEG, [
      '-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', file,
      '-map', '0:v', '-map', '0:a', '-c', 'copy', '-f', 'mpegts', `udp://127.0.0.1:${udpPort}?pkt_size=1316`,
    ], 'ignore');
    server.url = `rtsp://127.0.0.1:${rtspPort}/cam`;
  } catch (e) {
    await server.close();
    throw e;
  }
  return server;
}
