/**
 * Relay tasks (issue 11, seed 001): the `relay.tasks` entries of a Node-Media-Server 2.x config, accepted unchanged
 * (`{ app, mode: 'static'|'pull'|'push', edge, name, rtsp_transport, appendName }`), and the same shape added
 * through relays.add. validateTask() is the one check every way in uses: nothing reaches an ffmpeg argv or a
 * socket unless it passed.
 */
import path from 'node:path';
import { isStreamName } from '../contract/common';
import { fieldError, type OnAirError } from '../errors';
import { parseRtmpUrl } from '../rtmp/client';

export type RelayMode = 'static' | 'pull' | 'push';
export const RTSP_TRANSPORTS = ['udp', 'tcp', 'udp_multicast', 'http'] as const;
export type RtspTransport = (typeof RTSP_TRANSPORTS)[number];

export interface RelayTask {
  id: string;
  app: string;
  mode: RelayMode;
  /** static: rtsp(s)://, rtmp(s):// or an absolute file path; pull/push: rtmp(s)://host[:port][/app] */
  edge: string;
  /** static: the stream name here (/app/name) */
  name: string | null;
  rtsp_transport: RtspTransport | null;
  /** push: false = push to `edge` exactly, without appending the stream name (NMS appendName) */
  appendName: boolean;
  origin: 'config' | 'api';
}

/** How a static source is read: our RTMP client, or ffmpeg (RTSP, a file). */
export type SourceKind = 'rtmp' | 'rtsp' | 'file';

/** a VALIDATION error naming the task field it is about (a form shows it next to that field) */
function invalid(msg: string, field: 'app' | 'mode' | 'edge' | 'name' | 'rtsp_transport'): OnAirError {
  return fieldError(field, msg);
}

export function sourceKind(edge: string): SourceKind {
  if (/^rtmps?:\/\//i.test(edge)) return 'rtmp';
  if (/^rtsps?:\/\//i.test(edge)) return 'rtsp';
  return 'file';
}

/** The edge as it may be shown (API, logs): user and password removed. */
export function redactEdge(edge: string): string {
  if (sourceKind(edge) === 'file') return edge;
  try {
    const u = new URL(edge);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** A task from config or the API, validated; `id` is given by the caller. */
export function validateTask(raw: Record<string, unknown>, id: string, origin: RelayTask['origin']): RelayTask {
  const app = raw.app;
  if (typeof app !== 'string' || !isStreamName(app)) throw invalid('relay task: app must be a stream name (letters, digits, _ - .)', 'app');
  const mode = raw.mode;
  if (mode !== 'static' && mode !== 'pull' && mode !== 'push') throw invalid("relay task: mode must be 'static', 'pull' or 'push'", 'mode');
  const edge = typeof raw.edge === 'string' ? raw.edge.trim() : '';
  // eslint-disable-next-line no-control-regex
  if (!edge || edge.length > 2048 || /[\u0000-\u001f\u007f]/.test(edge)) throw invalid('relay task: edge is empty, too long or has control characters', 'edge');
  const kind = sourceKind(edge);
  if (mode === 'static') {
    if (kind === 'file' && !path.isAbsolute(edge)) throw invalid('relay task: a static edge is rtsp://, rtmp:// or an absolute file path', 'edge');
    if (kind === 'rtsp') {
      try {
        new URL(edge);
      } catch {
        throw invalid('relay task: edge is not a valid RTSP URL', 'edge');
      }
    }
    if (kind === 'rtmp') {
      checkRtmp(edge);
      if (!parseRtmpUrl(edge).name) throw invalid('relay task: a static RTMP edge names the stream: rtmp://host/app/name', 'edge');
    }
  } else {
    if (kind !== 'rtmp') throw invalid(`relay task: a ${mode} edge must be rtmp:// or rtmps://`, 'edge');
    checkRtmp(edge);
  }
  let name: string | null = null;
  if (raw.name !== undefined && raw.name !== null && raw.name !== '') {
    if (typeof raw.name !== 'string' || !isStreamName(raw.name)) throw invalid('relay task: name must be a stream name', 'name');
    name = raw.name;
  }
  if (mode === 'static' && !name) name = `relay-${id}`;
  let rtsp: RtspTransport | null = null;
  if (raw.rtsp_transport !== undefined && raw.rtsp_transport !== null) {
    if (!RTSP_TRANSPORTS.includes(raw.rtsp_transport as RtspTransport)) throw invalid(`relay task: rtsp_transport must be one of ${RTSP_TRANSPORTS.join(', ')}`, 'rtsp_transport');
    rtsp = raw.rtsp_transport as RtspTransport;
  }
  return { id, app, mode, edge, name, rtsp_transport: rtsp, appendName: raw.appendName !== false, origin };
}

function checkRtmp(edge: string): void {
  // a bare host (NMS pull/push: "rtmp://192.168.0.20") names no app: the stream's app is added at run time
  const t = parseRtmpUrl(/^rtmps?:\/\/[^/]+\/[^/]+/i.test(edge) ? edge : `${edge.replace(/\/+$/, '')}/app`);
  if (t.host.startsWith('-')) throw invalid('relay task: edge host is not valid', 'edge');
}

/**
 * Where a pull fetches /app/name from, or a push sends it to — as NMS 2.x does: an edge that names an app
 * gets `/name` appended, a bare host gets `/app/name`; a push with appendName false goes to the edge as is.
 */
export function edgeStreamUrl(task: RelayTask, name: string): string {
  const base = task.edge.replace(/\/+$/, '');
  if (task.mode === 'push' && !task.appendName) return base;
  const hasApp = /^rtmps?:\/\/[^/]+\/[^/]+/i.test(base);
  return hasApp ? `${base}/${name}` : `${base}/${task.app}/${name}`;
}

/** An rtmp(s) URL with its stream name split off: { url: scheme://host:port/app, key: name }. */
export function splitStreamUrl(full: string): { url: string; key: string } {
  const t = parseRtmpUrl(full);
  return { url: t.tcUrl, key: t.name };
}

/** ids of config tasks: stable across restarts (index in relay.tasks). */
export function configTaskId(i: number): string {
  return `cfg${i}`;
}
