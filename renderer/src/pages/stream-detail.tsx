import { client, ClientError } from '../client/client';
import { BitrateFacts } from '../components/bitrate-facts';
import { ChatDock } from '../components/chat-dock';
import { ConfirmButton } from '../components/confirm-button';
import { CopyField } from '../components/copy-field';
import { StreamDestinations } from '../components/destination-card';
import { HealthCharts } from '../components/health-charts';
import { NotifyControls } from '../components/health-notify';
import { HealthPill } from '../components/health-pill';
import { HealthTimeline } from '../components/health-timeline';
import { LadderCard } from '../components/ladder-card';
import { LiveChart } from '../components/live-chart';
import { PreviewTabs } from '../components/preview-tabs';
import { RecordControl } from '../components/record-control';
import { Subscribers } from '../components/subscribers';
import { toast } from '../components/toast';
import { useT } from '../i18n';
import { audioLabel, formatDuration, videoLabel } from '../lib/format';
import { useStreamUrls } from '../lib/use-stream-urls';
import { hrefOf } from '../router';
import { abrUrlOf, rungOf, useLadder } from '../stores/ladder';
import { roomOfStream, useRooms } from '../stores/rooms';
import { useStreams } from '../stores/streams';

function Urls({ app, name }: { app: string; name: string }) {
  const t = useT();
  const u = useStreamUrls(app, name);
  // "off" only once the answer says so; while it loads, the same placeholder as the other fields
  const hlsUrl = (v: string | null | undefined): string => (u === undefined || u === null ? '…' : (v ?? t('detail.urls.hlsOff')));
  return (
    <section className="card" aria-labelledby="urls-title">
      <h3 id="urls-title" className="card-title">
        {t('detail.urls')}
      </h3>
      <div className="stack">
        <CopyField label={t('detail.urls.rtmpServer')} value={u?.rtmp_server ?? '…'} testId="url-rtmp-server" />
        <CopyField label={t('detail.urls.key')} value={u?.keys ? t('empty.keyFromKeys') : (u?.stream_key ?? '…')} testId="url-stream-key" />
        <CopyField label={t('detail.urls.httpFlv')} value={u?.http_flv ?? '…'} testId="url-http-flv" />
        <CopyField label={t('detail.urls.wsFlv')} value={u?.ws_flv ?? '…'} testId="url-ws-flv" />
        <CopyField label={t('detail.urls.hls')} value={hlsUrl(u?.hls)} testId="url-hls" />
        <CopyField label={t('detail.urls.llHls')} value={hlsUrl(u?.ll_hls)} testId="url-ll-hls" />
        <CopyField label={t('detail.urls.dash')} value={hlsUrl(u?.dash)} testId="url-dash" />
      </div>
    </section>
  );
}

export function StreamDetail({ app, name }: { app: string; name: string }) {
  const t = useT();
  const path = `/${app}/${name}`;
  const s = useStreams((st) => st.streams[path]);
  const samples = useStreams((st) => st.history[path]) ?? [];
  const urls = useStreamUrls(app, name);
  const ladder = useLadder((st) => st.bySource[path]);
  // the room this stream is the key of: its chat docks here
  const room = useRooms((st) => roomOfStream(st.byId, app, name));
  // the ABR preview once a rendition is live (the master playlist lists the source and every live rung)
  const abr = ladder?.rungs.some((r) => r.live) ? abrUrlOf(urls?.hls) : null;

  const stop = async (): Promise<void> => {
    try {
      await client().call('streams.kick', { app, name });
      toast('ok', t('detail.stopped'));
    } catch (e) {
      toast('error', e instanceof ClientError ? e.message : String(e));
    }
  };

  return (
    <div className="page">
      <div className="page-head">
        <a className="link-back" href={hrefOf({ page: 'dashboard' })}>
          ← {t('detail.back')}
        </a>
        <h2 className="page-title mono" data-testid="detail-title">
          {path}
        </h2>
        {s && <span className="badge badge-live">{t('live.badge')}</span>}
        {s && <span className="muted">{formatDuration(s.uptime, t)}</span>}
        <span className="spacer" />
        {s && (
          <ConfirmButton
            label={t('detail.stop')}
            confirmLabel={t('detail.stop.yes')}
            cancelLabel={t('detail.stop.no')}
            question={t('detail.stop.confirm', { path })}
            onConfirm={() => void stop()}
            testId="stop-publisher"
          />
        )}
      </div>
      {!s && (
        <p className="card notice" data-testid="not-live">
          {t('detail.notLive')}
        </p>
      )}
      <div className="detail-grid">
        <div className="stack">
          {s && <PreviewTabs urls={urls} label={`${t('detail.preview')} ${path}`} abr={abr} />}
          {s && (
            <section className="card" aria-label={t('chart.label')}>
              <LiveChart samples={samples} height={120} />
            </section>
          )}
          {s && <HealthCharts path={path} />}
          <HealthTimeline path={path} />
          {s && <Subscribers s={s} />}
        </div>
        <div className="stack">
          {s && (
            <section className="card" aria-labelledby="shealth-title" data-testid="health-card">
              <h3 id="shealth-title" className="card-title">
                {t('shealth.title')}
              </h3>
              <HealthPill path={path} all />
              <NotifyControls path={path} />
            </section>
          )}
          {room && <ChatDock room={room} />}
          <RecordControl stream={path} live={!!s} />
          <StreamDestinations path={path} />
          {!(s && rungOf(s)) && <LadderCard app={app} path={path} />}
          {s && (
            <section className="card" aria-labelledby="media-title">
              <h3 id="media-title" className="card-title">
                {t('detail.media')}
              </h3>
              <dl className="facts facts-col">
                <div>
                  <dt>{t('detail.video')}</dt>
                  <dd>
                    {s.publisher?.video ? `${s.publisher.video.width}x${s.publisher.video.height} · ${s.fps} fps · ${videoLabel(s.publisher.video)}` : t('detail.none')}
                  </dd>
                </div>
                <div>
                  <dt>{t('detail.audio')}</dt>
                  <dd>{s.publisher?.audio ? audioLabel(s.publisher.audio) : t('detail.none')}</dd>
                </div>
                <BitrateFacts bitrateIn={s.bitrateIn} bitrateOut={s.bitrateOut} />
                <div>
                  <dt>{t('col.ip')}</dt>
                  <dd className="mono">{s.publisher ? `${s.publisher.protocol.toUpperCase()} · ${s.publisher.ip}` : '—'}</dd>
                </div>
              </dl>
            </section>
          )}
          <Urls app={app} name={name} />
        </div>
      </div>
    </div>
  );
}
