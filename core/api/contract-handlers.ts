import type { Logger } from 'pino';
import { makeSign } from '../auth/sign';
import type { OnAirConfig } from '../config';
import { EXEC_SETTINGS } from '../exec-settings';
import { ListenerApplyError, type ListenerName, type ListenInfo } from '../config-apply';
import { slateImageProblem } from '../slate/image';
import { configPatchOf, isMask, overlayConfig, publicSettingsOf, saveConfigPatch, settingsOf } from '../config-store';
import {
  commands, isCommandName, mergeSettings, SettingsSchema,
  type ContractError, type ContractIssue, type Reply, type StreamInfo,
} from '../contract';
import type { DestinationStatusView } from '../contract/destinations';
import type { Relay } from '../contract/relays';
import type { LadderState } from '../contract/ladder';
import type { StreamHealth, TimelineEvent } from '../contract/health';
import type { StorageChanged } from '../contract/storage';
import type { ClusterStatus } from '../contract/cluster';
import type { ChatEventName, Room } from '../contract/rooms';
import type { RecordingManager } from '../record/recordings';
import { hlsSettingsFor } from '../hls/settings';
import { ERROR_TABLE, isOnAirError } from '../errors';
import type { ServerContext } from '../context';
import type { JobEngine } from '../jobs/engine';
import { locateFfmpeg } from '../ffmpeg/locate';
import type { LogTail } from '../log';
import type { Stream } from '../media/stream';
import { CommandError } from './command-error';
import type { Handlers } from '../feature';
import { serverStats, streamStats, VERSION } from './stats';

/** What the contract needs from the Studio (kept narrow so the handlers do not reach into the core). */
export interface StudioPort {
  readonly config: OnAirConfig;
  readonly ports: ListenInfo | null;
  /** ms epoch when the listeners started */
  readonly since: number;
  readonly ctx: ServerContext;
  readonly logs: LogTail;
  readonly log: Logger;
  /** live recordings (recordings.*, recording.* events) */
  readonly recordings: RecordingManager;
  /** the transcode queue (jobs.*, job.* events) */
  readonly jobs: JobEngine;
  /** restream destinations (destination.state events) */
  readonly destinations?: { on(e: 'state', fn: (s: DestinationStatusView) => void): unknown; off(e: 'state', fn: (s: DestinationStatusView) => void): unknown };
  /** static/pull/push relays (relay.state events) */
  readonly relays?: { on(e: 'state', fn: (r: Relay) => void): unknown; off(e: 'state', fn: (r: Relay) => void): unknown };
  /** the live bitrate ladder (ladder.state events) */
  readonly ladder?: { on(e: 'state', fn: (s: LadderState) => void): unknown; off(e: 'state', fn: (s: LadderState) => void): unknown };
  /** live rooms (room.changed events) */
  readonly rooms?: { on(e: 'room.changed', fn: (r: Room) => void): unknown; off(e: 'room.changed', fn: (r: Room) => void): unknown };
  /** the chat (chat.message / chat.moderated / presence.changed events) */
  readonly chat?: { on(e: ChatEventName, fn: (d: never) => void): unknown; off(e: ChatEventName, fn: (d: never) => void): unknown };
  /** stream health (health.changed events) */
  readonly health?: { on(e: 'changed', fn: (d: { stream: string; health: StreamHealth | null }) => void): unknown; off(e: 'changed', fn: (d: { stream: string; health: StreamHealth | null }) => void): unknown };
  /** the health timeline (health.event events) */
  readonly timeline?: { on(e: 'event', fn: (d: TimelineEvent) => void): unknown; off(e: 'event', fn: (d: TimelineEvent) => void): unknown };
  /** the cluster node, null when not one (cluster.changed events) */
  readonly cluster?: { on(e: 'changed', fn: (d: ClusterStatus) => void): unknown; off(e: 'changed', fn: (d: ClusterStatus) => void): unknown } | null;
  /** object storage (storage.changed events) */
  readonly storage?: { on(e: 'changed', fn: (d: StorageChanged) => void): unknown; off(e: 'changed', fn: (d: StorageChanged) => void): unknown };
  applyConfig(input: unknown): Promise<{ config: OnAirConfig; restarted: ListenerName[]; ports: ListenInfo | null }>;
}

export interface HandlerOptions {
  mode?: 'electron' | 'headless';
  /** write accepted settings to <data_dir>/config.json (default true) */
  persist?: boolean;
}

export { CommandError };

export type { Handlers };
export type Dispatch = (cmd: unknown, args: unknown) => Promise<Reply>;

export function streamInfo(s: Stream): StreamInfo {
  return { ...streamStats(s), app: s.app, name: s.name, path: s.path, rung_of: s.rungOf };
}

export function liveStreams(ctx: ServerContext): StreamInfo[] {
  return ctx.registry.live().map(streamInfo);
}

function issuesOf(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): ContractIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

function urlHost(h: string): string {
  if (h === '0.0.0.0' || h === '::' || h === '') return '127.0.0.1';
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

const DAY = 86_400;

type ServerCommands = 'server.status' | 'server.config.get' | 'server.config.set' | 'server.panelToken' | 'logs.tail';
type StreamCommands = 'streams.list' | 'streams.get' | 'streams.urls' | 'streams.kick' | 'sessions.kick';

/** The `server` feature's commands: status, settings, the panel token, the log tail. */
export function serverHandlers(studio: StudioPort, opts: HandlerOptions = {}): Pick<Handlers, ServerCommands> {
  const { ctx } = studio;
  return {
    'server.status': async () => {
      const cfg = studio.config;
      return {
        version: VERSION,
        uptime: Math.floor((Date.now() - studio.since) / 1000),
        ports: studio.ports,
        stats: serverStats(ctx, studio.since),
        ffmpeg: await locateFfmpeg(cfg),
        data_dir: cfg.data_dir,
        live: ctx.registry.live().length,
        mode: opts.mode ?? 'headless',
      };
    },
    // secrets go out masked (last 4 characters); a mask sent back means "unchanged"
    'server.config.get': () => publicSettingsOf(studio.config),
    'server.config.set': async (patch) => {
      // settings that execute things come only from the config file or the desktop app's file picker
      for (const k of EXEC_SETTINGS) {
        if (patch[k] !== undefined) throw new CommandError('FORBIDDEN', `"${k}" can be changed only in the config file or with the desktop app's Browse button`, [{ path: k, message: 'set it in the config file or with the desktop app' }]);
      }
      if (patch.auth) for (const k of ['secret', 'api_pass', 'api_token'] as const) if (isMask(patch.auth[k])) delete patch.auth[k];
      const merged = SettingsSchema.safeParse(mergeSettings(settingsOf(studio.config), patch));
      if (!merged.success) throw new CommandError('VALIDATION', merged.error.issues[0]?.message ?? 'invalid settings', issuesOf(merged.error));
      const badImage = patch.slate?.image !== undefined ? slateImageProblem(patch.slate.image) : null;
      if (badImage) throw new CommandError('VALIDATION', `slate.image ${badImage}`, [{ path: 'slate.image', message: badImage }]);
      let applied;
      try {
        applied = await studio.applyConfig(overlayConfig(studio.config, configPatchOf(merged.data)));
      } catch (e) {
        if (e instanceof ListenerApplyError) throw new CommandError('APPLY_FAILED', e.message, [{ path: e.field, message: e.message }]);
        if (isOnAirError(e) && e.code === 'CONFIG') throw new CommandError('VALIDATION', e.message);
        throw e;
      }
      let saved: string | null = null;
      if (opts.persist !== false) {
        try {
          saved = saveConfigPatch(applied.config.data_dir, configPatchOf(patch));
        } catch (e) {
          studio.log.warn({ err: (e as Error).message }, 'settings applied but could not be saved');
        }
      }
      studio.log.info({ restarted: applied.restarted, keys: Object.keys(patch) }, 'settings applied');
      // a tighter retention applies now, not at the next recording's end
      if (patch.record) studio.recordings.prune();
      return { settings: publicSettingsOf(applied.config), restarted: applied.restarted, ports: applied.ports, saved_to: saved };
    },
    'logs.tail': (args) => {
      const min = args?.level ?? 0;
      const limit = args?.limit ?? 200;
      return studio.logs.list(1000).filter((r) => r.level >= min).slice(-limit);
    },
    'server.panelToken': () => ({ token: studio.config.auth.api ? studio.ctx.auth.panelToken() : null }),
  };
}

/** The `streams` feature's commands: live streams, their OBS/player URLs, kicking publishers and sessions. */
export function streamHandlers(studio: StudioPort): Pick<Handlers, StreamCommands> {
  const { ctx } = studio;
  const find = (app: string, name: string): Stream => {
    const s = ctx.registry.get(`/${app}/${name}`);
    if (!s) throw new CommandError('NOT_FOUND', `no stream /${app}/${name}`);
    return s;
  };
  return {
    'streams.list': () => liveStreams(ctx),
    'streams.get': ({ app, name }) => streamInfo(find(app, name)),
    'streams.urls': ({ app, name, host }) => {
      const cfg = studio.config;
      const p = studio.ports;
      const h = urlHost(host ?? p?.host ?? cfg.host);
      const path = `/${app}/${name}`;
      const now = Math.floor(Date.now() / 1000);
      const key = cfg.auth.publish ? `${name}?sign=${makeSign(path, now + 30 * DAY, cfg.auth.publish_secret || cfg.auth.secret)}` : name;
      const q = cfg.auth.play ? `?sign=${makeSign(path, now + DAY, cfg.auth.secret)}` : '';
      const rtmpPort = p?.rtmp ?? cfg.rtmp.port;
      const httpPort = p?.http ?? cfg.http.port;
      const hls = hlsSettingsFor(cfg, app);
      const web = `http://${h}:${httpPort}${path}`;
      return {
        rtmp_server: `rtmp://${h}:${rtmpPort}/${app}`,
        // with auth.keys on a stream name is public and never a key: OBS needs a key from the Keys page
        stream_key: cfg.auth.keys ? '' : key,
        keys: cfg.auth.keys,
        http_flv: `${web}.flv${q}`,
        ws_flv: `ws://${h}:${httpPort}${path}.flv${q}`,
        hls: hls.hls ? `${web}/index.m3u8${q}` : null,
        ll_hls: hls.ll ? `${web}/ll.m3u8${q}` : null,
        dash: hls.dash ? `${web}/index.mpd${q}` : null,
      };
    },
    'streams.kick': ({ app, name }) => {
      const s = find(app, name);
      if (!s.publisher) throw new CommandError('NOT_FOUND', `/${app}/${name} has no publisher`);
      const id = s.publisher.id;
      s.publisher.stop('kicked from the panel');
      return { kicked: id };
    },
    'sessions.kick': ({ id }) => {
      const s = ctx.sessions.get(id);
      if (!s) throw new CommandError('NOT_FOUND', `no session ${id}`);
      s.close('kicked from the panel');
      return { kicked: id };
    },
  };
}

/**
 * The one entry point both transports use: checks the command name, validates the arguments with the
 * contract's schema (nothing invalid reaches the core), runs the handler and turns every outcome into a
 * Reply value.
 */
export function createDispatch(handlers: Handlers, log: Logger): Dispatch {
  return async (cmd, args) => {
    if (!isCommandName(cmd)) return { ok: false, error: { code: 'UNKNOWN_COMMAND', message: `unknown command ${JSON.stringify(String(cmd).slice(0, 64))}` } };
    const parsed = commands[cmd].args.safeParse(args ?? undefined);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error);
      const first = issues[0];
      const message = first ? `${cmd}: ${first.path ? `${first.path}: ` : ''}${first.message}` : `${cmd}: invalid arguments`;
      return { ok: false, error: { code: 'VALIDATION', message, issues } };
    }
    try {
      const run = handlers[cmd] as (a: unknown) => unknown;
      return { ok: true, result: await run(parsed.data) };
    } catch (e) {
      return { ok: false, error: toContractError(e, cmd, log) };
    }
  };
}

function toContractError(e: unknown, cmd: string, log: Logger): ContractError {
  if (e instanceof CommandError) return e.issues ? { code: e.code, message: e.message, issues: e.issues } : { code: e.code, message: e.message };
  // the one table (core/errors.ts); internal faults are logged and named after the command
  if (isOnAirError(e) && e.code !== 'INTERNAL') {
    const base = { code: ERROR_TABLE[e.code].contract, message: e.message };
    return e.field ? { ...base, issues: [{ path: e.field, message: e.message }] } : base;
  }
  log.error({ err: e, cmd }, 'command failed');
  return { code: 'INTERNAL', message: `${cmd} failed: ${(e as Error).message}` };
}
