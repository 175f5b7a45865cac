import { useEffect, useState } from 'react';
import type { ServerSample } from '../../../core/contract';
import { client } from '../client/client';
import { useT } from '../i18n';
import { formatBitrate, formatBytes } from '../lib/format';
import { SeriesChart, type Series } from './health-charts';

const REFRESH_MS = 5000;
/**
 * health.history returns the server's samples with any stream's; the server ones do not depend on the path.
 * The dashboard has no stream of its own, so it asks with this placeholder path (valid, never published to).
 */
const ANY_STREAM = '/server/samples';

/** The dashboard's server charts over the last 30 minutes (issue 14): CPU, memory, network in/out, disk free. */
export function ServerCharts() {
  const t = useT();
  const [samples, setSamples] = useState<ServerSample[]>([]);
  useEffect(() => {
    let on = true;
    const load = (): void => {
      client()
        .call('health.history', { stream: ANY_STREAM, minutes: 30 })
        .then((r) => on && setSamples(r.server), () => undefined);
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      on = false;
      clearInterval(timer);
    };
  }, []);
  const col = (f: (s: ServerSample) => number | null): Array<[number, number | null]> => samples.map((s) => [s.at, f(s)]);
  const series: Series[] = [
    { label: t('shealth.server.cpu'), values: col((s) => s.cpu), format: (v) => `${Math.round(v)}%`, testId: 'server-chart-cpu' },
    { label: t('shealth.server.mem'), values: col((s) => s.mem_used), format: formatBytes, testId: 'server-chart-mem' },
    { label: t('shealth.server.netIn'), values: col((s) => s.net_in_bps), format: formatBitrate, testId: 'server-chart-net-in' },
    { label: t('shealth.server.netOut'), values: col((s) => s.net_out_bps), format: formatBitrate, testId: 'server-chart-net-out' },
    { label: t('shealth.server.disk'), values: col((s) => s.disk_free), format: formatBytes, testId: 'server-chart-disk' },
  ];
  return (
    <section className="card server-charts" aria-labelledby="server-charts-title" data-testid="server-charts">
      <h3 id="server-charts-title" className="card-title">
        {t('shealth.server')}
      </h3>
      {samples.length === 0 ? (
        <p className="muted">{t('shealth.chart.empty')}</p>
      ) : (
        <div className="server-charts-grid">
          {series.map((s) => (
            <SeriesChart key={s.testId} s={s} />
          ))}
        </div>
      )}
    </section>
  );
}
