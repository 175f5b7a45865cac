import type { Recording, Upload } from '../../../core/contract';
import { useT } from '../i18n';
import { formatBytes, formatDuration } from '../lib/format';
import { usePrefs } from '../stores/prefs';
import { ConfirmButton } from './confirm-button';
import { StorageBadge } from './storage-badge';

interface Props {
  r: Recording;
  /** absolute URL of an /api path (token added), null until known */
  url: ((path: string) => string) | null;
  playing: boolean;
  onPlay(): void;
  onReveal(): void;
  onDelete(): void;
  /** its upload to object storage, when there is one */
  storage?: Upload;
}

/** One recording: thumbnail, stream, start time, duration, size, codecs, status (with the reason a failed one stopped). */
export function RecordingRow({ r, url, playing, onPlay, onReveal, onDelete, storage }: Props) {
  const t = useT();
  const lang = usePrefs((s) => s.lang);
  const when = new Date(r.startedAt).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en');
  const live = r.status === 'recording';
  return (
    <li className={`rec-row card${playing ? ' active' : ''}`} data-testid="recording-row" data-id={r.id} data-status={r.status}>
      <div className="rec-thumb">
        {r.thumbnail && url ? <img src={url(`/api/recordings/${encodeURIComponent(r.id)}/thumbnail`)} alt="" loading="lazy" /> : <span aria-hidden="true">▶</span>}
      </div>
      <div className="rec-main">
        <div className="rec-head">
          <strong className="mono">{r.stream}</strong>
          {live && <span className="badge badge-live">{t('rec.badge')}</span>}
          {r.status === 'failed' && <span className="badge badge-bad">{t('rec.status.failed')}</span>}
          {r.status === 'interrupted' && <span className="badge badge-warn">{t('rec.status.interrupted')}</span>}
          <StorageBadge u={storage} />
          <span className="muted">{when}</span>
        </div>
        <dl className="facts rec-facts">
          <div>
            <dt>{t('rec.duration')}</dt>
            <dd>{formatDuration(r.durationMs / 1000, t)}</dd>
          </div>
          <div>
            <dt>{t('rec.size')}</dt>
            <dd>{formatBytes(r.size)}</dd>
          </div>
          <div>
            <dt>{t('detail.video')}</dt>
            <dd title={r.video ?? ''}>{r.video ?? '—'}</dd>
          </div>
          <div>
            <dt>{t('detail.audio')}</dt>
            <dd title={r.audio ?? ''}>{r.audio ?? '—'}</dd>
          </div>
        </dl>
        {r.error && (
          <p className={r.status === 'failed' ? 'field-error' : 'field-hint'} data-testid="recording-error">
            {r.status === 'failed' ? t('rec.failedBecause', { reason: r.error }) : r.error}
          </p>
        )}
      </div>
      <div className="rec-actions">
        <button type="button" className="btn btn-small" onClick={onPlay} disabled={r.size === 0} aria-pressed={playing} data-testid="recording-play">
          {playing ? t('rec.hide') : t('rec.play')}
        </button>
        <button type="button" className="btn btn-small" onClick={onReveal} data-testid="recording-reveal">
          {t('rec.reveal')}
        </button>
        {!live && (
          <ConfirmButton
            label={t('rec.delete')}
            confirmLabel={t('rec.delete.yes')}
            cancelLabel={t('detail.stop.no')}
            question={t('rec.delete.confirm', { stream: r.stream })}
            onConfirm={onDelete}
            testId="recording-delete"
          />
        )}
      </div>
    </li>
  );
}
