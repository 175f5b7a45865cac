import { useRef, useState, type KeyboardEvent } from 'react';
import type { StreamUrls } from '../../../core/contract';
import { useT, type MessageKey } from '../i18n';
import { HlsPlayer } from './hls-player';
import { LivePlayer } from './live-player';

type Tab = 'flv' | 'hls' | 'll' | 'abr';

const TABS: Array<{ id: Tab; key: MessageKey }> = [
  { id: 'flv', key: 'preview.flv' },
  { id: 'll', key: 'preview.ll' },
  { id: 'hls', key: 'preview.hls' },
  { id: 'abr', key: 'preview.abr' },
];

/**
 * The stream detail's preview: flv.js (lowest latency), LL-HLS or HLS through hls.js — one player at a
 * time; with a bitrate ladder, ABR (abr.m3u8: Auto + each rendition in the quality menu). A WAI-ARIA tab list: arrow keys move between tabs, Home/End jump.
 */
export function PreviewTabs({ urls, label, abr = null }: { urls: StreamUrls | null; label: string; abr?: string | null }) {
  const t = useT();
  const [tab, setTab] = useState<Tab>('flv');
  const refs = useRef<Array<HTMLButtonElement | null>>([]);
  const available = (id: Tab): boolean => id === 'flv' || (id === 'abr' ? !!abr : id === 'hls' ? !!urls?.hls : !!urls?.ll_hls);
  const shown = TABS.filter((x) => available(x.id));
  const onKey = (e: KeyboardEvent): void => {
    const i = shown.findIndex((x) => x.id === tab);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? shown.length - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const j = (next + shown.length) % shown.length;
    setTab(shown[j].id);
    refs.current[j]?.focus();
  };
  const current = available(tab) ? tab : 'flv';
  return (
    <div className="stack preview-tabs">
      <div role="tablist" aria-label={t('preview.label')} className="tabs" onKeyDown={onKey}>
        {shown.map((x, i) => (
          <button
            key={x.id}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`preview-tab-${x.id}`}
            aria-selected={current === x.id}
            aria-controls="preview-panel"
            tabIndex={current === x.id ? 0 : -1}
            className={`tab${current === x.id ? ' active' : ''}`}
            onClick={() => setTab(x.id)}
            data-testid={`preview-tab-${x.id}`}
          >
            {t(x.key)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="preview-panel" aria-labelledby={`preview-tab-${current}`}>
        {current === 'flv' && <LivePlayer url={urls?.http_flv ?? null} label={label} />}
        {current === 'll' && <HlsPlayer key="ll" url={urls?.ll_hls ?? null} label={`${label} (LL-HLS)`} live lowLatency testId="ll-video" />}
        {current === 'hls' && <HlsPlayer key="hls" url={urls?.hls ?? null} label={`${label} (HLS)`} live testId="hls-video" />}
        {current === 'abr' && <HlsPlayer key="abr" url={abr} label={`${label} (ABR)`} live testId="abr-video" />}
      </div>
    </div>
  );
}
