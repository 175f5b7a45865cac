import { useEffect, useMemo, useRef, useState } from 'react';
import type { LogRecordData } from '../../../core/contract';
import { useT } from '../i18n';
import { formatTime, levelName } from '../lib/format';
import { useLogs } from '../stores/logs';

const SHOWN = 400;

function fields(r: LogRecordData): string {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (k !== 'level' && k !== 'time' && k !== 'msg') rest[k] = v;
  const s = JSON.stringify(rest);
  return s === '{}' ? '' : s;
}

/** The tail of the studio's structured logs, live, with a level and text filter. */
export function LogsPage() {
  const t = useT();
  const { records, paused, held, setPaused, clear } = useLogs();
  const [min, setMin] = useState(30);
  const [q, setQ] = useState('');
  const list = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const out = records.filter((r) => r.level >= min && (!needle || `${r.msg} ${fields(r)}`.toLowerCase().includes(needle)));
    return out.slice(-SHOWN);
  }, [records, min, q]);

  useEffect(() => {
    const el = list.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [shown]);

  return (
    <div className="page logs">
      <div className="page-head">
        <h2 className="page-title">{t('logs.title')}</h2>
        <span className="muted">{t('logs.count', { n: shown.length })}</span>
        <span className="spacer" />
        <label className="inline-label" htmlFor="log-level">
          {t('logs.level')}
        </label>
        <select id="log-level" className="input input-auto" value={min} onChange={(e) => setMin(Number(e.target.value))}>
          {[10, 20, 30, 40, 50].map((l) => (
            <option key={l} value={l}>
              ≥ {levelName(l)}
            </option>
          ))}
        </select>
        <label className="sr-only" htmlFor="log-filter">
          {t('logs.filter')}
        </label>
        <input id="log-filter" className="input input-auto" placeholder={t('logs.filter.placeholder')} value={q} onChange={(e) => setQ(e.target.value)} />
        <button type="button" className="btn" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? `${t('logs.resume')} (${held.length})` : t('logs.pause')}
        </button>
        <button type="button" className="btn" onClick={clear}>
          {t('logs.clear')}
        </button>
      </div>
      <div
        className="log-list card"
        ref={list}
        tabIndex={0}
        role="log"
        aria-live="off"
        data-testid="log-list"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {shown.length === 0 && <p className="muted">{t('logs.empty')}</p>}
        {shown.map((r, i) => (
          <div key={`${r.time}-${i}`} className={`log-line lvl-${levelName(r.level)}`}>
            <span className="log-time mono">{formatTime(r.time)}</span>
            <span className="log-level">{levelName(r.level)}</span>
            <span className="log-msg">{r.msg}</span>
            <span className="log-fields mono">{fields(r)}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
