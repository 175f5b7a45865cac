import type { StreamKey } from '../../../core/contract/rooms';
import { client, ClientError } from '../client/client';
import { useT } from '../i18n';
import { mediaHost } from '../lib/format';
import { msOf, useKeys } from '../stores/keys';
import { useServer } from '../stores/server';
import { ConfirmButton } from './confirm-button';
import { CopyField } from './copy-field';
import { SecretCopyField } from './secret-copy-field';
import { toast } from './toast';

/** The OBS "Server" as this panel reaches the studio (the core only knows the address it is bound to). */
export function obsServer(server: string, embedded: boolean, boundHost: string | undefined): string {
  const m = /^(rtmps?:\/\/)(\[[^\]]+\]|[^/:]+)(.*)$/.exec(server);
  if (!m) return server;
  const unspecified = m[2] === '0.0.0.0' || m[2] === '[::]' || m[2] === '::';
  if (embedded && !unspecified) return server;
  const host = mediaHost(embedded, boundHost);
  return `${m[1]}${host.includes(':') ? `[${host}]` : host}${m[3]}`;
}

type KeyCommand = 'keys.enable' | 'keys.disable' | 'keys.rotate';

/** One stream key: what to paste into OBS, whether it is live, and what to do with it. */
export function KeyCard({ k }: { k: StreamKey }) {
  const t = useT();
  const boundHost = useServer((s) => s.status?.ports?.host);
  const c = client();
  const act = async (cmd: KeyCommand, ok: Parameters<typeof t>[0]): Promise<void> => {
    try {
      const next = await c.call(cmd, { id: k.id });
      useKeys.getState().upsert(next);
      toast('ok', t(ok, { label: next.label }));
    } catch (e) {
      toast('error', e instanceof ClientError ? e.message : String(e));
    }
  };
  const remove = async (): Promise<void> => {
    try {
      await c.call('keys.remove', { id: k.id });
      useKeys.getState().remove(k.id);
      toast('ok', t('keys.removed', { label: k.label }));
    } catch (e) {
      toast('error', e instanceof ClientError ? e.message : String(e));
    }
  };
  const expires = k.obs.expires_at;
  const hint = expires ? t('keys.signed', { until: new Date(msOf(expires)).toLocaleString() }) : t('keys.masked.hint');
  return (
    <li className="job card key-card" data-testid="key-card" data-id={k.id} data-enabled={k.enabled ? 'true' : 'false'} data-live={k.live ? 'true' : 'false'}>
      <div className="job-main">
        <div className="rec-head">
          <span className={`live-dot${k.live ? ' on' : ''}`} role="img" aria-label={k.live ? t('keys.live') : t('keys.offline')} data-testid="key-live" />
          <strong className="job-title" data-testid="key-label">
            {k.label}
          </strong>
          <span className="chip mono">/{k.app}</span>
          <span className={`badge ${k.enabled ? 'status-done' : 'status-cancelled'}`} data-testid="key-state" data-state={k.enabled ? 'enabled' : 'disabled'}>
            {k.enabled ? t('keys.enabled') : t('keys.disabled')}
          </span>
          {k.live && <span className="badge badge-live">{t('live.badge')}</span>}
          <span className="muted" data-testid="key-last-used">
            {k.last_used_at ? t('keys.lastUsed', { when: new Date(msOf(k.last_used_at)).toLocaleString() }) : t('keys.neverUsed')}
          </span>
        </div>
        <div className="stack key-fields">
          <CopyField label={t('keys.server')} value={obsServer(k.obs.server, c.embedded, boundHost)} testId="key-server" />
          <CopyField label={t('keys.publicStream')} value={`/${k.app}/${k.stream}`} hint={t('keys.publicStream.hint')} testId="key-public-stream" />
          <SecretCopyField
            label={t('keys.streamKey')}
            value={k.obs.stream_key}
            hint={hint}
            testId="key-secret"
            revealLabel={t('keys.reveal.label', { label: k.label })}
            hideLabel={t('keys.hide.label', { label: k.label })}
          />
        </div>
      </div>
      <div className="rec-actions">
        {k.enabled ? (
          <button type="button" className="btn btn-small" onClick={() => void act('keys.disable', 'keys.disabled.toast')} data-testid="key-disable">
            {t('keys.disable')}
          </button>
        ) : (
          <button type="button" className="btn btn-small" onClick={() => void act('keys.enable', 'keys.enabled.toast')} data-testid="key-enable">
            {t('keys.enable')}
          </button>
        )}
        <ConfirmButton
          label={t('keys.rotate')}
          confirmLabel={t('keys.rotate.yes')}
          cancelLabel={t('keys.cancel')}
          question={t('keys.rotate.confirm', { label: k.label })}
          onConfirm={() => void act('keys.rotate', 'keys.rotated')}
          testId="key-rotate"
        />
        <ConfirmButton
          label={t('keys.remove')}
          confirmLabel={t('keys.remove.yes')}
          cancelLabel={t('keys.cancel')}
          question={t('keys.remove.confirm', { label: k.label })}
          onConfirm={() => void remove()}
          testId="key-remove"
        />
      </div>
    </li>
  );
}
