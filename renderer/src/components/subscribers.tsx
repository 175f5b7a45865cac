import type { StreamInfo } from '../../../core/contract';
import { client, ClientError } from '../client/client';
import { useT } from '../i18n';
import { formatBytes, formatDuration } from '../lib/format';
import { toast } from './toast';

/** The viewers of a stream with a kick button each. */
export function Subscribers({ s }: { s: StreamInfo }) {
  const t = useT();
  const kick = async (id: string): Promise<void> => {
    try {
      await client().call('sessions.kick', { id });
      toast('ok', t('detail.kicked', { id }));
    } catch (e) {
      toast('error', e instanceof ClientError ? e.message : String(e));
    }
  };
  const now = Date.now();
  return (
    <section className="card" aria-labelledby="subs-title">
      <h3 id="subs-title" className="card-title">
        {t('detail.subscribers', { n: s.subscribers.length })}
      </h3>
      {s.subscribers.length === 0 ? (
        <p className="muted">{t('detail.noSubscribers')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="subscribers">
            <thead>
              <tr>
                <th scope="col">{t('col.id')}</th>
                <th scope="col">{t('col.protocol')}</th>
                <th scope="col">{t('col.ip')}</th>
                <th scope="col">{t('col.since')}</th>
                <th scope="col">{t('col.sent')}</th>
                <th scope="col">{t('col.dropped')}</th>
                <th scope="col">
                  <span className="sr-only">{t('col.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {s.subscribers.map((x) => (
                <tr key={x.clientId}>
                  <td className="mono">{x.clientId}</td>
                  <td>{x.protocol.toUpperCase()}</td>
                  <td className="mono">{x.ip}</td>
                  <td>{formatDuration((now - Date.parse(x.connectCreated)) / 1000, t)}</td>
                  <td>{formatBytes(x.bytes)}</td>
                  <td>{x.dropped}</td>
                  <td className="right">
                    <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => void kick(x.clientId)} aria-label={t('detail.kick.label', { id: x.clientId })}>
                      {t('detail.kick')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
