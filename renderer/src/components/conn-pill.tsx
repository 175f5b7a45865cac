import { client } from '../client/client';
import { useT } from '../i18n';
import { useConnection } from '../stores/connection';

/** Connection state of the client, with a reconnect button when it is down. */
export function ConnPill() {
  const t = useT();
  const status = useConnection((s) => s.status);
  return (
    <div className="conn" data-testid="conn-status" data-status={status}>
      <span className={`dot dot-${status}`} aria-hidden="true" />
      <span>{t(`conn.${status}`)}</span>
      {status === 'closed' && (
        <button type="button" className="btn btn-small" onClick={() => client().reconnect()}>
          {t('conn.reconnect')}
        </button>
      )}
    </div>
  );
}
