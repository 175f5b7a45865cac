import type { ClusterStatus } from '../contract/cluster';
import type { Feature } from '../feature';
import { sendJson } from '../http/util';
import type { ClusterService } from './service';

/** what `cluster.status` answers on a studio that is not a cluster node */
export function notClustered(): ClusterStatus {
  return { enabled: false, node_id: null, state: 'off', redis: null, hls: null, nodes: [], streams: [], at: Date.now() };
}

/**
 * The `cluster` feature (issue 15): the `cluster.status` command, the `cluster.changed` event (emitted by the
 * service, forwarded by core/api/contract-events.ts) and GET /api/cluster behind the API gate like every /api
 * route. Registered on every studio; without `cluster.redis` (service null) it answers `enabled: false` and
 * opens no connection.
 */
export function clusterFeature(service: ClusterService | null): Feature {
  const status = (): Promise<ClusterStatus> => (service ? service.status() : Promise.resolve(notClustered()));
  return {
    name: 'cluster',
    handlers: { 'cluster.status': () => status() },
    events: ['cluster.changed'],
    mount: (h) => {
      h.router.add('GET', '/api/cluster', async (_req, res) => sendJson(res, 200, await status()));
    },
    start: () => service?.start(),
    stop: () => service?.stop(),
  };
}
