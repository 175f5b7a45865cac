import { useEffect, useState } from 'react';
import type { StreamUrls } from '../../../core/contract';
import { client } from '../client/client';
import { useT } from '../i18n';
import { mediaHost } from '../lib/format';
import { useServer } from '../stores/server';
import { CopyField } from './copy-field';

const APP = 'live';
const NAME = 'studio';

/** The expiry of a signed key (`name?sign=<unix expiry>-<hash>`), or null when the key is not signed. */
function signedUntil(key: string): Date | null {
  const m = /[?&]sign=(\d+)-/.exec(key);
  return m ? new Date(Number(m[1]) * 1000) : null;
}

/**
 * What a first-time user pastes into OBS, with the real address and port of this studio. Server and key come
 * from the contract's `streams.urls`, asked afresh on every mount and port change (never cached), so the key
 * is signed whenever `auth.publish` is on and a key copied from here publishes.
 */
export function EmptyState() {
  const t = useT();
  const ports = useServer((s) => s.status?.ports);
  const c = client();
  const host = mediaHost(c.embedded, ports?.host);
  const [urls, setUrls] = useState<StreamUrls | null>(null);
  const rtmpPort = ports?.rtmp;
  const httpPort = ports?.http;
  useEffect(() => {
    if (rtmpPort === undefined) return;
    let live = true;
    c.call('streams.urls', { app: APP, name: NAME, host }).then(
      (u) => live && setUrls(u),
      () => live && setUrls(null),
    );
    return () => {
      live = false;
    };
  }, [c, host, rtmpPort, httpPort]);
  const server = urls?.rtmp_server ?? '…';
  const key = urls?.keys ? t('empty.keyFromKeys') : (urls?.stream_key ?? '…');
  const until = urls && !urls.keys ? signedUntil(urls.stream_key) : null;
  const hint = urls?.keys ? t('empty.keyHintKeys') : until ? t('empty.keyHintSigned', { app: APP, name: NAME, until: until.toLocaleDateString() }) : t('empty.keyHint');
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
            <CopyField label={t('empty.key')} value={key} hint={hint} testId="obs-key" />
          </div>
        </li>
        <li>{t('empty.step3')}</li>
      </ol>
      <details className="empty-ffmpeg">
        <summary>{t('empty.ffmpeg')}</summary>
        <pre className="mono code">{`ffmpeg -re -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine \\
  -c:v libx264 -preset veryfast -tune zerolatency -g 60 -c:a aac \\
  -f flv '${server}/${key}'`}</pre>
      </details>
    </section>
  );
}
