import { client } from '../client/client';
import { useT } from '../i18n';
import { mediaHost } from '../lib/format';
import { useServer } from '../stores/server';
import { CopyField } from './copy-field';

/** What a first-time user pastes into OBS, with the real address and port of this studio. */
export function EmptyState() {
  const t = useT();
  const ports = useServer((s) => s.status?.ports);
  const host = mediaHost(client().embedded, ports?.host);
  const server = ports ? `rtmp://${host}:${ports.rtmp}/live` : '…';
  const key = 'studio';
  return (
    <section className="empty card" data-testid="empty-state" aria-labelledby="empty-title">
      <div className="empty-icon" aria-hidden="true">
        <svg viewBox="0 0 48 48" width="48" height="48">
          <circle cx="24" cy="24" r="22" fill="none" stroke="currentColor" strokeWidth="2" opacity=".35" />
          <circle cx="24" cy="24" r="8" fill="currentColor" />
        </svg>
      </div>
      <h2 id="empty-title">{t('empty.title')}</h2>
      <p className="lead">{t('empty.lead')}</p>
      <ol className="steps">
        <li>{t('empty.step1')}</li>
        <li>
          {t('empty.step2')}
          <div className="empty-fields">
            <CopyField label={t('empty.server')} value={server} testId="obs-server" />
            <CopyField label={t('empty.key')} value={key} hint={t('empty.keyHint')} testId="obs-key" />
          </div>
        </li>
        <li>{t('empty.step3')}</li>
      </ol>
      <details className="empty-ffmpeg">
        <summary>{t('empty.ffmpeg')}</summary>
        <pre className="mono code">{`ffmpeg -re -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine \\
  -c:v libx264 -preset veryfast -tune zerolatency -g 60 -c:a aac \\
  -f flv ${server}/${key}`}</pre>
      </details>
    </section>
  );
}
