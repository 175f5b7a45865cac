import type { ReactNode } from 'react';
import { useT, type MessageKey } from '../i18n';
import { formatBitrate, formatBytes, formatDuration } from '../lib/format';
import { useServer } from '../stores/server';

function Card({ title, value, detail, testId, tone }: { title: string; value: ReactNode; detail: ReactNode; testId: string; tone?: 'ok' | 'warn' }) {
  return (
    <section className={`card health${tone ? ` tone-${tone}` : ''}`} data-testid={testId} aria-label={title}>
      <h3 className="card-title">{title}</h3>
      <p className="card-value">{value}</p>
      <p className="card-detail">{detail}</p>
    </section>
  );
}

/** CPU, memory, network, uptime and ffmpeg, from server.status and the server.stats tick. */
export function HealthCards() {
  const t = useT();
  const status = useServer((s) => s.status);
  const tick = useServer((s) => s.tick);
  const st = tick?.stats ?? status?.stats;
  if (!st) return <div className="cards cards-loading" aria-busy="true" />;
  const used = st.mem.totle - st.mem.free;
  const ff = status?.ffmpeg;
  return (
    <div className="cards">
      <Card title={t('health.cpu')} testId="health-cpu" value={`${st.process.cpu.toFixed(1)}%`} detail={t('health.cpu.detail', { load: st.cpu.load, cores: st.cpu.num })} />
      <Card
        title={t('health.memory')}
        testId="health-memory"
        value={formatBytes(st.nodejs.mem.rss)}
        detail={t('health.memory.detail', { used: formatBytes(used), total: formatBytes(st.mem.totle) })}
      />
      <Card
        title={t('health.network')}
        testId="health-network"
        value={`${formatBitrate((tick?.net_in_bps ?? 0) + (tick?.net_out_bps ?? 0))}`}
        detail={t('health.network.detail', { in: formatBitrate(tick?.net_in_bps ?? 0), out: formatBitrate(tick?.net_out_bps ?? 0) })}
      />
      <Card
        title={t('health.uptime')}
        testId="health-uptime"
        value={formatDuration(st.nodejs.uptime, t)}
        detail={t('health.uptime.detail', { clients: st.clients.active, version: st.version })}
      />
      <Card
        title={t('health.ffmpeg')}
        testId="health-ffmpeg"
        tone={status ? (ff ? 'ok' : 'warn') : undefined}
        value={status ? (ff ? '✓' : '✕') : '…'}
        detail={
          !status
            ? t('health.ffmpeg.checking')
            : ff
              ? t('health.ffmpeg.found', { version: ff.version.slice(0, 40), source: t(`ffmpeg.source.${ff.source}` as MessageKey) })
              : t('health.ffmpeg.missing')
        }
      />
    </div>
  );
}
