/**
 * The scale-out part of the composition root (issue 15), next to core/studio.ts: the cluster node (directory,
 * ownership, HLS origin) and its edge puller when `cluster.redis` is set, and object storage with its links to
 * what finishes files — recordings (stopped, deleted), transcode jobs (done) and DVR events (ended).
 */
import type { Logger } from 'pino';
import type { OnAirConfig } from './config';
import type { ServerContext } from './context';
import { ClusterService } from './cluster/service';
import { resolveNodeId } from './cluster/node-id';
import { EdgePuller } from './cluster/edge';
import { StorageService } from './storage/service';
import type { MissingFile } from './http/media-static';
import type { HlsManager } from './hls/hls-manager';
import type { JobEngine } from './jobs/engine';
import type { RecordingManager } from './record/recordings';
import type { SlateService } from './slate/slate';
import type { Store } from './store/db';

export interface ScaleOut {
  cluster: ClusterService | null;
  edge: EdgePuller | null;
  storage: StorageService;
  /** media-static / recording routes: a file that is not on disk any more may be in the bucket */
  inBucket: MissingFile;
}

export interface ScaleOutDeps {
  ctx: ServerContext;
  config: () => OnAirConfig;
  log: Logger;
  store: () => Store | null;
  listening: () => { rtmp: number; http: number } | null;
  slate: SlateService;
  recordings: RecordingManager;
  jobs: JobEngine;
  hls: HlsManager;
}

export function createScaleOut(d: ScaleOutDeps): ScaleOut {
  const { ctx, log } = d;
  const cfg = d.config();
  const cc = cfg.cluster;
  const cluster = cc?.redis
    ? new ClusterService({
      config: () => ({ ...cc, ...d.config().cluster, redis: cc.redis as string }), // cluster.redis itself needs a restart to change
      nodeId: resolveNodeId(cc.node_id, cfg.data_dir), registry: ctx.registry, log,
      listening: () => {
        const l = d.listening();
        const c = d.config();
        return l ? { rtmp: l.rtmp, http: l.http, host: c.http.host ?? c.host } : null;
      },
      slateProtects: (s) => d.slate.protects(s),
    })
    : null;
  if (cluster) ctx.cluster = cluster;
  const edge = cluster ? new EdgePuller({ ctx, directory: cluster.directory, log }) : null;
  const storage = new StorageService({
    config: d.config, db: () => d.store()?.db ?? null, log, recordingsFolder: () => d.recordings.folder(),
    recordingSettled: () => d.recordings.settled(),
    // retention deleted the only copy of a recording: its index row goes too
    expired: (row) => {
      if (row.kind === 'recordings' && row.ref) d.recordings.delete(row.ref);
    },
  });
  d.recordings.on('recording.stopped', (r) => storage.onRecordingStopped(r));
  // a deleted recording's objects leave the bucket too (retried while the bucket is down)
  d.recordings.on('recording.deleted', (r) => storage.onRecordingDeleted(r));
  d.jobs.on('job.done', (j) => storage.onJobDone(j));
  // after HlsManager's own 'ended' listener (registered first): the DVR playlist has its ENDLIST by now
  ctx.registry.on('ended', (s) => {
    const dvr = d.hls.get(s.path)?.dvr;
    if (dvr) storage.onDvrEnded(dvr.dir, dvr.id);
  });
  return { cluster, edge, storage, inBucket: (file, req, res, suffix) => storage.serveMissing(file, req, res, suffix) };
}
