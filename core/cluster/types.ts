/**
 * The seam between the cluster directory (core/cluster/directory.ts) and the edge puller (core/cluster/edge*.ts).
 * The members below are a contract between the two: add members, never change these.
 */

export interface ClusterNode {
  id: string;
  /** rtmp://host:port and http://host:port other nodes/players use (public_host + the bound ports) */
  rtmp: string;
  http: string;
  load: { cpu: number; rss_mb: number; streams: number; players: number };
  started_at: number;
  last_seen: number;
}
export interface StreamOwner { path: string; node: string; since: number }
export interface Directory {
  readonly nodeId: string;
  /** 'connected' | 'reconnecting' (Redis lost: serving what we have) | 'off' */
  state(): 'connected' | 'reconnecting' | 'off';
  /** who holds /app/name right now (null: nobody, or Redis unreachable) */
  owner(path: string): Promise<StreamOwner | null>;
  node(id: string): Promise<ClusterNode | null>;
  nodes(): Promise<ClusterNode[]>;
  /** an edge says it pulls `path` from its owner (shown in the panel); ttl-refreshed by the heartbeat until removed */
  setEdge(path: string, pulling: boolean): void;
  /** 'owner.gone' when the owner of a path releases it or its TTL lapses (pub/sub + TTL sweep), 'owner.set' on a claim */
  on(ev: 'owner.gone' | 'owner.set', fn: (o: StreamOwner) => void): void;
  off(ev: 'owner.gone' | 'owner.set', fn: (o: StreamOwner) => void): void;
}
