import type { AnyEvent, EventData } from '../contract';
import { JOB_EVENT_NAMES, type JobEventName } from '../contract/jobs';
import type { DestinationStatusView } from '../contract/destinations';
import type { Relay } from '../contract/relays';
import type { LadderState } from '../contract/ladder';
import { CHAT_EVENT_NAMES, type Room } from '../contract/rooms';
import type { Recording } from '../contract/recordings';
import type { LogRecord } from '../log';
import type { Stream } from '../media/stream';
import { liveStreams, streamInfo, type StudioPort } from './contract-handlers';
import { serverStats } from './stats';

export type ContractListener = (e: AnyEvent) => void;

/**
 * The contract's events for every transport: registry publish/unpublish, the log tail, recording.* and
 * job.* events, and a ~1 s tick with stream and server stats. Sources are attached only while someone listens.
 */
export class ContractEvents {
  private readonly listeners = new Set<ContractListener>();
  private timer: NodeJS.Timeout | null = null;
  private lastNet = { at: 0, inBytes: 0, outBytes: 0 };

  constructor(private readonly studio: StudioPort, private readonly tickMs = 1000) {}

  subscribe(fn: ContractListener): () => void {
    this.listeners.add(fn);
    if (this.listeners.size === 1) this.attach();
    return () => {
      if (this.listeners.delete(fn) && this.listeners.size === 0) this.detach();
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  private emit(e: AnyEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        // a broken listener must not stop the others (and must not log: log records are events too)
      }
    }
  }

  private onPublished = (s: Stream): void => this.emit({ event: 'stream.published', data: streamInfo(s) });
  private onUnpublished = (s: Stream): void => this.emit({ event: 'stream.unpublished', data: { app: s.app, name: s.name, path: s.path } });
  private onLog = (r: LogRecord): void => this.emit({ event: 'log', data: r });
  private onRecStarted = (r: Recording): void => this.emit({ event: 'recording.started', data: r });
  private onRecStopped = (r: Recording): void => this.emit({ event: 'recording.stopped', data: r });
  private onRecFailed = (r: Recording): void => this.emit({ event: 'recording.failed', data: r });
  private onDestState = (s: DestinationStatusView): void => this.emit({ event: 'destination.state', data: s });
  private onRelayState = (r: Relay): void => this.emit({ event: 'relay.state', data: r });
  private onLadderState = (s: LadderState): void => this.emit({ event: 'ladder.state', data: s });
  private onHealth = (d: EventData<'health.changed'>): void => this.emit({ event: 'health.changed', data: d });
  private onTimeline = (d: EventData<'health.event'>): void => this.emit({ event: 'health.event', data: d });
  private onRoomChanged = (r: Room): void => this.emit({ event: 'room.changed', data: r });
  private onStorage = (d: EventData<'storage.changed'>): void => this.emit({ event: 'storage.changed', data: d });
  private onCluster = (d: EventData<'cluster.changed'>): void => this.emit({ event: 'cluster.changed', data: d });
  /** one forwarder per chat event (chat.message, chat.moderated, presence.changed) */
  private readonly onChat = Object.fromEntries(
    CHAT_EVENT_NAMES.map((name) => [name, (data: unknown) => this.emit({ event: name, data } as AnyEvent)]),
  ) as Record<(typeof CHAT_EVENT_NAMES)[number], (data: unknown) => void>;
  /** one forwarder per job.* event, so detach removes exactly what attach added */
  private readonly onJob = Object.fromEntries(
    JOB_EVENT_NAMES.map((name) => [name, (data: unknown) => this.emit({ event: name, data } as AnyEvent)]),
  ) as Record<JobEventName, (data: unknown) => void>;

  private attach(): void {
    const { registry } = this.studio.ctx;
    registry.on('published', this.onPublished);
    registry.on('unpublished', this.onUnpublished);
    this.studio.logs.on('record', this.onLog);
    const rec = this.studio.recordings;
    rec.on('recording.started', this.onRecStarted);
    rec.on('recording.stopped', this.onRecStopped);
    rec.on('recording.failed', this.onRecFailed);
    for (const name of JOB_EVENT_NAMES) this.studio.jobs.on(name, this.onJob[name]);
    this.studio.destinations?.on('state', this.onDestState);
    this.studio.relays?.on('state', this.onRelayState);
    this.studio.ladder?.on('state', this.onLadderState);
    this.studio.rooms?.on('room.changed', this.onRoomChanged);
    this.studio.health?.on('changed', this.onHealth);
    this.studio.timeline?.on('event', this.onTimeline);
    this.studio.storage?.on('changed', this.onStorage);
    this.studio.cluster?.on('changed', this.onCluster);
    for (const name of CHAT_EVENT_NAMES) this.studio.chat?.on(name, this.onChat[name]);
    const net = this.studio.ctx.net;
    this.lastNet = { at: Date.now(), inBytes: net.inBytes, outBytes: net.outBytes };
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  private detach(): void {
    const { registry } = this.studio.ctx;
    registry.off('published', this.onPublished);
    registry.off('unpublished', this.onUnpublished);
    this.studio.logs.off('record', this.onLog);
    const rec = this.studio.recordings;
    rec.off('recording.started', this.onRecStarted);
    rec.off('recording.stopped', this.onRecStopped);
    rec.off('recording.failed', this.onRecFailed);
    for (const name of JOB_EVENT_NAMES) this.studio.jobs.off(name, this.onJob[name]);
    this.studio.destinations?.off('state', this.onDestState);
    this.studio.relays?.off('state', this.onRelayState);
    this.studio.ladder?.off('state', this.onLadderState);
    this.studio.rooms?.off('room.changed', this.onRoomChanged);
    this.studio.health?.off('changed', this.onHealth);
    this.studio.timeline?.off('event', this.onTimeline);
    this.studio.storage?.off('changed', this.onStorage);
    this.studio.cluster?.off('changed', this.onCluster);
    for (const name of CHAT_EVENT_NAMES) this.studio.chat?.off(name, this.onChat[name]);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One stats tick (exposed for tests). */
  tick(): void {
    const now = Date.now();
    const { ctx } = this.studio;
    this.emit({ event: 'stream.stats', data: { at: now, streams: liveStreams(ctx) } });
    const dt = Math.max(0.001, (now - this.lastNet.at) / 1000);
    const inBps = Math.max(0, ((ctx.net.inBytes - this.lastNet.inBytes) * 8) / dt);
    const outBps = Math.max(0, ((ctx.net.outBytes - this.lastNet.outBytes) * 8) / dt);
    this.lastNet = { at: now, inBytes: ctx.net.inBytes, outBytes: ctx.net.outBytes };
    this.emit({ event: 'server.stats', data: { at: now, stats: serverStats(ctx, this.studio.since), net_in_bps: Math.round(inBps), net_out_bps: Math.round(outBps) } });
  }

  close(): void {
    this.listeners.clear();
    this.detach();
  }
}
