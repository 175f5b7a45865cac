import { z } from 'zod';

/**
 * The cluster (issue 15, core/cluster): this node's view of the directory on Redis — the nodes with their load,
 * where each stream lives and which edges pull it, and the directory's state. `enabled: false` when this studio
 * is not a cluster node (no `cluster.redis`).
 */

export const CLUSTER_STATES = ['connected', 'reconnecting', 'off'] as const;

export const ClusterNodeSchema = z.object({
  id: z.string(),
  /** rtmp://host:port and http://host:port other nodes and players use */
  rtmp: z.string(),
  http: z.string(),
  load: z.object({ cpu: z.number(), rss_mb: z.number(), streams: z.number(), players: z.number() }),
  started_at: z.number(),
  last_seen: z.number(),
  /** this node */
  self: z.boolean(),
});
export type ClusterNodeView = z.infer<typeof ClusterNodeSchema>;

export const ClusterStreamSchema = z.object({
  /** "/app/name" */
  path: z.string(),
  /** the owner's node id */
  owner: z.string(),
  /** ms epoch of the claim */
  since: z.number(),
  /** node ids of the edges pulling it */
  edges: z.array(z.string()),
});

export const ClusterStatusSchema = z.object({
  enabled: z.boolean(),
  node_id: z.string().nullable(),
  /** 'reconnecting': Redis is unreachable — this node serves its local streams and refuses new publishes */
  state: z.enum(CLUSTER_STATES),
  /** the Redis URL with its password masked; null when not a cluster node */
  redis: z.string().nullable(),
  hls: z.enum(['redirect', 'proxy']).nullable(),
  nodes: z.array(ClusterNodeSchema),
  streams: z.array(ClusterStreamSchema),
  at: z.number(),
});
export type ClusterStatus = z.infer<typeof ClusterStatusSchema>;

export const clusterCommands = {
  /** nodes, streams and their owners/edges, and the directory's state */
  'cluster.status': { args: z.strictObject({}).optional(), result: ClusterStatusSchema },
} as const;

export const clusterEvents = {
  /** the cluster changed (a node came or went, a stream was claimed or released, the Redis state, load); ≤ 2 a second */
  'cluster.changed': ClusterStatusSchema,
} as const;
