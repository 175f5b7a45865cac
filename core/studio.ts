import type { Logger } from 'pino';
import type { HookEventName, OnAirConfig } from './config';
import { mediaRoot, parseConfig, relaySettings } from './config';
import { HttpFront } from './http/server';
import { checkEvents, collectHandlers, type Feature } from './feature';
import { commandNames, eventNames } from './contract';
import { serverHandlers, streamHandlers } from './api/contract-handlers';
import { createJobHandlers } from './api/jobs-handlers';
import { destinationsFeature } from './api/destinations-handlers';
import { DestinationsService } from './api/destinations-service';
import { sealedKeyProvider, type KeyProvider, type Sealer } from './relay/secrets';
import { DestinationManager, destinationConfig } from './relay/manager';
import { loopbackRtmpUrl } from './relay/reencode';
import { RelayManager } from './relay/relays';
import { LadderManager } from './ladder/manager';
import { ladderFeature } from './ladder/feature';
import { HealthMonitor } from './health/monitor';
import { healthFeature } from './health/feature';
import { Timeline } from './health/timeline';
import { KeysService } from './rooms/keys';
import { RoomsService } from './rooms/rooms';
import { roomsFeature } from './rooms/rooms-feature';
import { ChatRuntime } from './rooms/chat-feature';
import { SlateService, slateFeature } from './slate/slate';
import { storageFeature } from './storage/feature';
import type { StorageService } from './storage/service';
import type { ClusterService } from './cluster/service';
import type { EdgePuller } from './cluster/edge';
import { createScaleOut } from './studio-scale';
import { clusterFeature } from './cluster/feature';
import type { ChatService } from './rooms/chat';
import { locateFfmpeg } from './ffmpeg/locate';
import { relaysFeature } from './api/relays-routes';
import { createRecordingHandlers, revealJob } from './api/recordings-handlers';
import { mountFlv } from './flv/mount';
import { addStatsRoutes } from './api/stats-routes';
import { mountCompatRoutes } from './api/compat-routes';
import { mountJobRoutes } from './api/jobs-routes';
import { mountMediaStatic } from './http/media-static';
import { JobEngine } from './jobs/engine';
import { FfmpegBudget } from './ffmpeg/budget';
import { HlsManager } from './hls/hls-manager';
import { addHlsRoutes } from './hls/hls-routes';
import { RecordingManager } from './record/recordings';
import { addRecordingRoutes } from './record/routes';
import { recordingThumbnail } from './record/thumbnail';
import { openStore, type Store } from './store/db';
import { RecordingsRepo } from './store/recordings-repo';
import { RelaysRepo } from './store/relays-repo';
import { mountStudioApi, type StudioApi } from './api/studio-api';
import { moveListeners, type ListenerName } from './config-apply';
import { overlayConfig, saveConfigPatch } from './config-store';
import { verifyFfmpegBinary, verifyStorageDir, type ExecSetting } from './exec-settings';
import { AuthAuthority } from './auth/authority';
import { Hooks, type HookHandler } from './media/hooks';
import type { ServerContext } from './context';
import { RtmpServer } from './rtmp/server';
import { createLogger, LogTail } from './log';
import { StreamRegistry } from './media/registry';
import type { Resolver } from './net/outbound';
import { SessionTable, type Session } from './media/sessions';

export interface StudioOptions {
  /** log to stdout (default true); tests pass false */
  logToStdout?: boolean;
  logger?: Logger;
  /** how server.status describes this process (default 'headless') */
  mode?: 'electron' | 'headless';
  /** folder of the built panel served at / (default renderer/dist) */
  panelDir?: string;
  /** how outbound host names resolve (URL downloads, callbacks); default node's dns.lookup. Tests stub it */
  resolver?: Resolver;
  /**
   * The desktop app's OS keychain (Electron safeStorage): seals the master key of destination stream keys
   * (`<data_dir>/destinations.key.sealed`). Headless: a 0600 key file instead.
   */
  sealer?: Sealer;
}

export interface ListenInfo {
  rtmp: number;
  http: number;
  https: number | null;
  /** the RTMPS (TLS) ingest port, null when `rtmps` is not configured */
  rtmps: number | null;
  host: string;
}

/**
 * The composition root. `createStudio(config)` wires the media server; `run()` starts listening and
 * resolves with the bound ports; `stop()` closes every session and listener.
 */
export class Studio {
  readonly ctx: ServerContext;
  readonly logs = new LogTail();
  readonly hooks: Hooks;
  /** the one auth authority (core/auth): every route, protocol and command asks it */
  readonly auth: AuthAuthority;
  readonly registry: StreamRegistry;
  readonly http: HttpFront;
  /** live HLS / LL-HLS / DASH muxers, one per stream */
  readonly hls: HlsManager;
  /** recordings of live streams to fragmented MP4, indexed in the store */
  readonly recordings: RecordingManager;
  private store: Store | null = null;
  /** the registered features (core/feature.ts), in mount order */
  readonly features: readonly Feature[];
  /** the typed contract (core/contract): dispatcher + events, also served over /api/ws */
  readonly api: StudioApi;
  /** transcode queue, recordings, the SQLite store (opened on run() or first use) */
  readonly jobs: JobEngine;
  /** restream destinations (issue 11): stored, validated, keys encrypted; run by the relay supervisor */
  readonly destinations: DestinationsService;
  /** static/pull/push relays and the seed-003 publish query form (issue 11) */
  readonly relays: RelayManager;
  /** the live bitrate ladder (issue 12): one ffmpeg per source, rungs back as `/app/NAME_<height>` */
  readonly ladder: LadderManager;
  /** stream keys and live rooms (issue 13): `rooms.keys` is the authority's key lookup (auth.keys) */
  readonly rooms: RoomsService;
  /** socket.io chat, moderation and presence (issue 13): chat.message / chat.moderated / presence.changed events */
  readonly chat: ChatService;
  /** disconnect protection (issue 14): the slate while a protected stream's publisher is away */
  readonly slate: SlateService;
  /** stream health (issue 14): verdicts, advice, samples for charts (health.changed events) */
  readonly health: HealthMonitor;
  /** the health timeline (issue 14): one entry per incident (health.timeline, health.event events) */
  readonly timeline: Timeline;
  /** object storage (issue 15): uploads finished recordings, DVR and VOD outputs to `storage.s3` (core/storage) */
  readonly storage: StorageService;
  /** a cluster node (issue 15) when `cluster.redis` is set: directory, ownership, HLS origin (core/cluster); else null */
  readonly cluster: ClusterService | null;
  /** edge pulls (issue 15): a stream another node owns, pulled once for all local players (core/cluster/edge.ts); null without cluster.redis */
  readonly edge: EdgePuller | null;
  private readonly rtmp: RtmpServer;
  private cfg: OnAirConfig;
  private startedAt = Date.now();
  private listening: ListenInfo | null = null;

  constructor(config: unknown, opts: StudioOptions = {}) {
    this.cfg = parseConfig(config);
    const log = opts.logger ?? createLogger(this.cfg.log_level, this.logs, opts.logToStdout ?? true);
    this.hooks = new Hooks(log, () => this.cfg.webhooks);
    this.registry = new StreamRegistry(() => ({
      gopCache: this.cfg.rtmp.gop_cache,
      gopMaxBytes: this.cfg.gop_limits.max_bytes,
      gopMaxPackets: this.cfg.gop_limits.max_packets,
      // one window for the stream: HLS's and the destinations' hold, whichever is longer (core/config.ts relay)
      reconnectWindowMs: Math.max(this.cfg.hls.cleanup_after_s, relaySettings(this.cfg).hold_s) * 1000,
      flushMs: this.cfg.rtmp.flush_ms,
    }));
    this.auth = new AuthAuthority(() => this.cfg);
    this.ctx = { config: () => this.cfg, registry: this.registry, sessions: new SessionTable(), hooks: this.hooks, auth: this.auth, log, net: { inBytes: 0, outBytes: 0 }, ffmpeg: new FfmpegBudget(() => this.cfg.limits) };
    this.rtmp = new RtmpServer(this.ctx);
    this.http = new HttpFront(this.ctx);
    this.hls = new HlsManager(this.ctx);
    this.recordings = new RecordingManager({
      config: () => this.cfg, registry: this.registry, log,
      thumbnail: (file, out) => recordingThumbnail(this.cfg, file, out, this.ctx.ffmpeg),
    });
    this.jobs = new JobEngine({ store: () => this.store, config: () => this.cfg, log, registry: this.registry, httpPort: () => this.listening?.http ?? null, resolver: opts.resolver, recordings: this.recordings, ffmpeg: this.ctx.ffmpeg });
    this.destinations = new DestinationsService({
      store: () => this.store, dataDir: () => this.cfg.data_dir, log, resolver: opts.resolver,
      ...(opts.sealer ? { keys: lazySealedKeys(() => this.cfg.data_dir, opts.sealer) } : {}),
      runtime: new DestinationManager({
        registry: this.registry, config: () => destinationConfig(relaySettings(this.cfg)), log,
        // pre-flight re-encodes: ffmpeg reads /app/name from this studio and publishes /app/name_enc_<id> back into it
        reencode: {
          registry: this.registry, budget: this.ctx.ffmpeg,
          ffmpeg: () => this.jobs.resolveTools().then((t) => t.ffmpeg, () => null),
          encoder: () => this.jobs.encoders().then((c) => c.encoder, () => 'libx264' as const),
          loopbackUrl: (p, action) => this.ownLoopbackUrl(p, action),
        },
      }),
    });
    this.relays = new RelayManager({
      ctx: this.ctx, log, rtmp: () => (this.listening ? { port: this.listening.rtmp, host: this.cfg.rtmp.host ?? this.cfg.host } : null),
      persist: { repo: () => (this.store ? new RelaysRepo(this.store.db) : null), box: () => this.destinations.secrets() },
    });
    this.ladder = new LadderManager({
      registry: this.registry, hooks: this.hooks, config: () => this.cfg, log, budget: this.ctx.ffmpeg,
      ffmpeg: () => locateFfmpeg({ ffmpeg: this.cfg.fission?.ffmpeg ?? this.cfg.ffmpeg }).then((f) => f?.path ?? null, () => null),
      loopbackUrl: (p, action) => this.ownLoopbackUrl(p, action),
      destinationSources: () => (this.store ? this.destinations.list().filter((d) => d.enabled && 'stream' in d.source).map((d) => ('stream' in d.source ? d.source.stream : '')) : []),
    });
    const keys = new KeysService({
      db: () => this.store?.db ?? null, config: () => this.cfg, registry: this.registry, log,
      rtmp: () => (this.listening ? { port: this.listening.rtmp, host: this.listening.host } : null),
    });
    this.rooms = new RoomsService({ db: () => this.store?.db ?? null, config: () => this.cfg, registry: this.registry, keys, log });
    this.auth.setKeyLookup(keys);
    const chat = new ChatRuntime({ config: () => this.cfg, log, db: () => this.store?.db ?? null, rooms: this.rooms, isStreamer: (t) => this.auth.credentialsOk({ token: t }) });
    this.chat = chat.chat;
    this.slate = new SlateService({ ctx: this.ctx, config: () => this.cfg, log, ffmpeg: () => this.jobs.resolveTools().then((t) => t.ffmpeg, () => null) });
    this.health = new HealthMonitor({
      registry: this.registry, net: this.ctx.net, log, db: () => this.store?.db ?? null,
      destinations: () => (this.store ? this.destinations.list() : []), ladder: () => this.ladder.list(), recordFolder: () => this.recordings.folder(),
    });
    this.timeline = new Timeline({
      registry: this.registry, slate: this.slate, destinations: this.destinations, recordings: this.recordings, health: this.health,
      db: () => this.store?.db ?? null, log,
      destinationName: (id) => {
        try {
          return this.store ? this.destinations.get(id).name : null;
        } catch {
          return null;
        }
      },
    });
    // scale-out (core/studio-scale.ts): the cluster node and its edge pulls, object storage and its links
    const scale = createScaleOut({
      ctx: this.ctx, config: () => this.cfg, log, store: () => this.store, listening: () => this.listening,
      slate: this.slate, recordings: this.recordings, jobs: this.jobs, hls: this.hls,
    });
    ({ cluster: this.cluster, edge: this.edge, storage: this.storage } = scale);
    const inBucket = scale.inBucket;
    // every feature, one shape (core/feature.ts): the commands it answers and what it mounts
    this.features = [
      { name: 'flv', mount: (h) => mountFlv(h, this.ctx) },
      { name: 'streams', handlers: streamHandlers(this), events: ['stream.published', 'stream.unpublished', 'stream.stats'], mount: (h) => addStatsRoutes(h.router, this.ctx, this.startedAt, { http: h, startedAt: () => this.startedAt, jobs: () => this.jobs, recordings: () => this.recordings }) },
      {
        name: 'recordings',
        handlers: createRecordingHandlers(this.recordings),
        events: ['recording.started', 'recording.stopped', 'recording.failed'],
        mount: (h) => addRecordingRoutes(h.router, this.recordings, inBucket),
        stop: () => this.recordings.close(),
      },
      {
        name: 'jobs',
        handlers: { ...createJobHandlers(this.jobs), 'jobs.reveal': ({ id }) => revealJob(this.jobs, id) },
        events: ['job.queued', 'job.started', 'job.progress', 'job.done', 'job.failed', 'job.cancelled'],
        start: () => this.jobs.start(),
        stop: () => this.jobs.stop(),
        mount: (h) => {
          mountCompatRoutes(h.router, { engine: this.jobs, auth: this.auth, config: () => this.cfg, log });
          mountJobRoutes(h.router, { engine: this.jobs, config: () => this.cfg, log });
        },
      },
      // an ABR playlist request is demand for the ladder (ladder.on_demand): the first answer waits for the rungs
      { name: 'hls', mount: (h) => addHlsRoutes(h.router, this.ctx, this.hls, { onAbrRequest: (p) => this.ladder.touchAndWait(p) }, (p, vs, ip, w) => {
        chat.hlsSeen(p, vs, ip, w);
        this.edge?.touch(p); // an HLS/DASH viewer of an edge's copy keeps its pull
      }), stop: () => this.hls.close() },
      { name: 'media-files', mount: (h) => mountMediaStatic(h.router, () => mediaRoot(this.cfg), this.auth, inBucket) },
      destinationsFeature(this.destinations),
      relaysFeature(this.relays),
      ladderFeature(this.ladder, this),
      roomsFeature(this.rooms, () => this.cfg),
      chat.feature(),
      slateFeature(this.slate),
      healthFeature(this.health, this.timeline),
      // after recordings and jobs: what they finish while stopping is queued (and resumes at the next start)
      storageFeature(this.storage),
      // before the cluster: its pulls end (and leave the directory) while Redis is still connected
      { name: 'edge', start: () => this.edge?.start(), stop: () => this.edge?.stop() },
      clusterFeature(this.cluster),
      { name: 'server', handlers: serverHandlers(this, { mode: opts.mode }), events: ['server.stats', 'log'] },
    ];
    checkEvents(this.features, eventNames);
    for (const f of this.features) f.mount?.(this.http);
    this.api = mountStudioApi(this, collectHandlers(this.features, commandNames), { mode: opts.mode, panelDir: opts.panelDir });
  }

  /**
   * rtmp://<loopback>/<path> for our own ffmpeg (ladder rungs, re-encodes): signed when auth.publish/play is on,
   * and a publish carries `own=<token>` so auth.keys lets it through (core/auth/authority.ts ownToken).
   */
  private ownLoopbackUrl(p: string, action: 'play' | 'publish'): string | null {
    const url = loopbackRtmpUrl(this.cfg, this.listening?.rtmp ?? null, p, action);
    if (!url || action !== 'publish') return url;
    return `${url}${url.includes('?') ? '&' : '?'}own=${this.auth.ownToken(p)}`;
  }

  get config(): OnAirConfig {
    return this.cfg;
  }

  get log(): Logger {
    return this.ctx.log;
  }

  get ports(): ListenInfo | null {
    return this.listening;
  }

  /** ms epoch when the listeners started */
  get since(): number {
    return this.startedAt;
  }

  /**
   * Validate and apply a new config. Listeners whose address changed are moved (open connections keep
   * running); if one cannot move (port in use, unreadable cert) the others go back, this throws with
   * the reason, and the previous config stays in force.
   */
  async applyConfig(input: unknown): Promise<{ config: OnAirConfig; restarted: ListenerName[]; ports: ListenInfo | null }> {
    const next = parseConfig(input);
    let restarted: ListenerName[] = [];
    if (this.listening) {
      const moved = await moveListeners(this.cfg, next, this.listening, { rtmp: this.rtmp, http: this.http });
      this.listening = moved.ports;
      restarted = moved.restarted;
    }
    this.cfg = next;
    return { config: next, restarted, ports: this.listening };
  }

  /**
   * Set the ffmpeg binary or the storage folder — for the desktop app's native file picker only (never the
   * contract): ffmpeg must answer `-version` like ffmpeg, a folder must be writable; then applied and saved.
   */
  async setExecSetting(key: ExecSetting, value: string): Promise<OnAirConfig> {
    const patch = key === 'ffmpeg' ? { ffmpeg: (await verifyFfmpegBinary(value), value) } : { http: { mediaroot: verifyStorageDir(value) } };
    const applied = await this.applyConfig(overlayConfig(this.cfg, patch));
    saveConfigPatch(applied.config.data_dir, patch);
    this.log.info({ key }, 'setting changed from the desktop file picker');
    return applied.config;
  }

  /** Subscribe to a Node-Media-Server style event; pre* handlers may be async and are awaited. */
  on(event: HookEventName, handler: HookHandler): this {
    this.hooks.on(event, handler);
    return this;
  }

  off(event: HookEventName, handler: HookHandler): this {
    this.hooks.off(event, handler);
    return this;
  }

  getSession(id: string): Session | undefined {
    return this.ctx.sessions.get(id);
  }

  async run(): Promise<ListenInfo> {
    if (this.listening) return this.listening;
    this.startedAt = Date.now();
    const c = this.cfg;
    if (c.auth.api) this.auth.apiToken(); // made now (data folder, 0600) so `onair serve` can print it
    else this.log.warn('auth.api is off: anyone who can reach the HTTP port can drive the studio (pages on other origins are still refused)');
    const rtmp = await this.rtmp.listen(c.rtmp.port, c.rtmp.host ?? c.host);
    let httpPort: number;
    try {
      httpPort = await this.http.listenHttp(c.http.port, c.http.host ?? c.host);
    } catch (e) {
      await this.rtmp.close();
      throw e;
    }
    let httpsPort: number | null = null;
    let rtmpsPort: number | null = null;
    try {
      if (c.https) httpsPort = await this.http.listenHttps(c.https.port, c.https.host ?? c.host, c.https.key, c.https.cert);
      if (c.rtmps) rtmpsPort = await this.rtmp.listenTls(c.rtmps.port, c.rtmps.host ?? c.host, c.rtmps.key, c.rtmps.cert);
    } catch (e) {
      await this.rtmp.close();
      await this.http.close();
      throw e;
    }
    this.registry.startSampling();
    this.listening = { rtmp, http: httpPort, https: httpsPort, rtmps: rtmpsPort, host: c.host };
    try {
      this.store = openStore(c.data_dir);
      this.recordings.attach(new RecordingsRepo(this.store.db));
    } catch (e) {
      this.log.error({ err: e }, 'store unavailable; recordings and transcoding are off until the data folder is writable');
    }
    for (const f of this.features) await f.start?.();
    this.log.info({ ...this.listening }, 'OnAir Studio listening');
    return this.listening;
  }

  async stop(): Promise<void> {
    // in registration order: recordings finish their files before the jobs (the seed recorder's callbacks) stop
    for (const f of this.features) await f.stop?.();
    this.api.close();
    this.registry.stopSampling();
    await this.rtmp.close();
    await this.http.close();
    this.store?.close();
    this.store = null;
    this.listening = null;
  }
}

export function createStudio(config: unknown = {}, opts: StudioOptions = {}): Studio {
  return new Studio(config, opts);
}

/** The sealed key provider, on the data folder in force when the first key is needed. */
function lazySealedKeys(dataDir: () => string, sealer: Sealer): KeyProvider {
  let p: KeyProvider | null = null;
  return { masterKey: () => (p ??= sealedKeyProvider(dataDir(), sealer)).masterKey() };
}
