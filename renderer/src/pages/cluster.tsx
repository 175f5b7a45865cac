import { useEffect, useState } from 'react';
import type { ClusterStatus } from '../../../core/contract';
import { client } from '../client/client';
import { useT } from '../i18n';
import { formatTime } from '../lib/format';

/**
 * The cluster as this node sees it (issue 15): the Redis state, the nodes with their load and when they were
 * last seen, where each stream lives and which edges pull it. `cluster.status` on open, `cluster.changed` after.
 */
export function ClusterPage() {
  const t = useT();
  const [st, setSt] = useState<ClusterStatus | null>(null);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const c = client();
    const load = (): void => void c.call('cluster.status', {}).then(setSt, () => undefined);
    const offs = [c.onStatus((s) => s === 'open' && load()), c.on('cluster.changed', (d) => setSt(d))];
    if (c.status === 'open') load();
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      offs.forEach((off) => off());
      clearInterval(tick);
    };
  }, []);
  if (!st) return <div className="page" />;
  if (!st.enabled) {
    return (
      <div className="page stack">
        <p className="card notice" data-testid="cluster-off">
          {t('cluster.off')}
        </p>
      </div>
    );
  }
  const ago = (ms: number): string => t('cluster.ago', { s: Math.max(0, Math.round((now - ms) / 1000)) });
  return (
    <div className="page stack" data-testid="cluster-page">
      <section className="card stack">
        <p className="notice" role="status" data-testid="cluster-state">
          <span className={`badge small${st.state === 'connected' ? '' : ' badge-live'}`}>{t(`cluster.state.${st.state}`)}</span>
        </p>
        <p className="notice muted">
          {t('cluster.node', { id: st.node_id ?? '' })} · {t('cluster.redis', { url: st.redis ?? '' })} · {t('cluster.hls', { mode: st.hls ?? '' })}
        </p>
      </section>
      <section className="card stack" aria-labelledby="cluster-nodes">
        <h3 id="cluster-nodes" className="card-title">{t('cluster.nodes')}</h3>
        <div className="table-wrap">
          <table className="table" data-testid="cluster-nodes">
            <thead>
              <tr>
                <th>{t('cluster.col.id')}</th>
                <th>{t('cluster.col.addresses')}</th>
                <th>{t('cluster.col.load')}</th>
                <th>{t('cluster.col.lastSeen')}</th>
              </tr>
            </thead>
            <tbody>
              {st.nodes.map((n) => (
                <tr key={n.id}>
                  <td>
                    {n.id} {n.self && <span className="muted">({t('cluster.self')})</span>}
                  </td>
                  <td>
                    {n.rtmp}
                    <br />
                    {n.http}
                  </td>
                  <td>{t('cluster.load', { cpu: n.load.cpu, rss: n.load.rss_mb, streams: n.load.streams, players: n.load.players })}</td>
                  <td>{ago(n.last_seen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card stack" aria-labelledby="cluster-streams">
        <h3 id="cluster-streams" className="card-title">{t('cluster.streams')}</h3>
        {st.streams.length === 0 ? (
          <p className="notice muted">{t('cluster.noStreams')}</p>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="cluster-streams">
              <thead>
                <tr>
                  <th>{t('cluster.col.stream')}</th>
                  <th>{t('cluster.col.owner')}</th>
                  <th>{t('cluster.col.edges')}</th>
                  <th>{t('cluster.col.since')}</th>
                </tr>
              </thead>
              <tbody>
                {st.streams.map((s) => (
                  <tr key={s.path}>
                    <td>{s.path}</td>
                    <td>{s.owner}</td>
                    <td>{s.edges.length ? s.edges.join(', ') : t('cluster.none')}</td>
                    <td>{s.since ? formatTime(s.since) : t('cluster.none')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
