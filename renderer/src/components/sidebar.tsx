import { useT, LANGS, type MessageKey } from '../i18n';
import { hrefOf, useRoute, type Route } from '../router';
import { useDestinations } from '../stores/destinations';
import { useJobs } from '../stores/jobs';
import { usePrefs, type Lang, type Theme } from '../stores/prefs';
import { useRecordings } from '../stores/recordings';
import { useRooms } from '../stores/rooms';
import { useStreams } from '../stores/streams';

const ITEMS: Array<{ route: Route; key: MessageKey; icon: string }> = [
  { route: { page: 'dashboard' }, key: 'nav.dashboard', icon: 'M3 3h8v8H3zM13 3h8v5h-8zM13 10h8v11h-8zM3 13h8v8H3z' },
  { route: { page: 'recordings' }, key: 'nav.recordings', icon: 'M12 12m-8 0a8 8 0 1 0 16 0a8 8 0 1 0-16 0M12 12m-3 0a3 3 0 1 0 6 0a3 3 0 1 0-6 0' },
  { route: { page: 'destinations' }, key: 'nav.destinations', icon: 'M4 12h10M10 6l6 6-6 6M18 5v14' },
  { route: { page: 'keys' }, key: 'nav.keys', icon: 'M8 15m-4 0a4 4 0 1 0 8 0a4 4 0 1 0-8 0M11 12l9-9M16 7l3 3' },
  { route: { page: 'rooms' }, key: 'nav.rooms', icon: 'M3 6h18v12H3zM7 21h10M10 10l5 2-5 2z' },
  { route: { page: 'transcode' }, key: 'nav.transcode', icon: 'M4 5h16v14H4zM4 9h16M9 5v4M15 5v4M10 12l5 2.5-5 2.5z' },
  { route: { page: 'cluster' }, key: 'nav.cluster', icon: 'M12 5m-2 0a2 2 0 1 0 4 0a2 2 0 1 0-4 0M5 18m-2 0a2 2 0 1 0 4 0a2 2 0 1 0-4 0M19 18m-2 0a2 2 0 1 0 4 0a2 2 0 1 0-4 0M11 7l-5 9M13 7l5 9M7 18h10' },
  { route: { page: 'settings' }, key: 'nav.settings', icon: 'M4 6h16M4 12h16M4 18h16M8 4v4M16 10v4M10 16v4' },
  { route: { page: 'logs' }, key: 'nav.logs', icon: 'M5 4h14v16H5zM8 8h8M8 12h8M8 16h5' },
];

function Icon({ d }: { d: string }) {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round">
      <path d={d} />
    </svg>
  );
}

/** Navigation, live count, language and theme. */
export function Sidebar() {
  const t = useT();
  const route = useRoute((s) => s.route);
  // a ladder's renditions are not streams of their own to the user (they show on their source)
  const live = useStreams((s) => Object.values(s.streams).filter((x) => !x.rung_of).length);
  const { lang, theme, setLang, setTheme } = usePrefs();
  const current = route.page === 'stream' ? 'dashboard' : route.page;
  const running = useJobs((s) => Object.values(s.jobs).filter((j) => j.status === 'running' || j.status === 'queued').length);
  const destLive = useDestinations((s) => Object.values(s.byId).filter((d) => d.status.state === 'live').length);
  const recording = useRecordings((s) => s.list.some((r) => r.status === 'recording'));
  const roomsLive = useRooms((s) => Object.values(s.byId).filter((r) => r.status === 1).length);
  return (
    <aside className="sidebar">
      <div className="brand">
        <span className={`brand-dot${live ? ' on' : ''}`} aria-hidden="true" />
        <span className="brand-name">{t('app.name')}</span>
      </div>
      <nav aria-label={t('nav.main')}>
        <ul className="nav">
          {ITEMS.map((it) => (
            <li key={it.key}>
              <a
                href={hrefOf(it.route)}
                className={`nav-item${current === it.route.page ? ' active' : ''}`}
                aria-current={current === it.route.page ? 'page' : undefined}
                data-testid={`nav-${it.route.page}`}
              >
                <Icon d={it.icon} />
                <span>{t(it.key)}</span>
                {it.route.page === 'dashboard' && live > 0 && <span className="badge badge-live small">{t('live.count', { n: live })}</span>}
                {it.route.page === 'recordings' && recording && <span className="badge badge-live small">{t('rec.badge')}</span>}
                {it.route.page === 'transcode' && running > 0 && <span className="count">{running}</span>}
                {it.route.page === 'rooms' && roomsLive > 0 && <span className="count" data-testid="nav-rooms-live">{roomsLive}</span>}
                {it.route.page === 'destinations' && destLive > 0 && <span className="count" data-testid="nav-dest-live">{destLive}</span>}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="sidebar-foot">
        <label className="field-label" htmlFor="pref-lang">
          {t('prefs.language')}
        </label>
        <select id="pref-lang" className="input" value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="lang-select">
          {LANGS.map((l) => (
            <option key={l.id} value={l.id}>
              {l.label}
            </option>
          ))}
        </select>
        <label className="field-label" htmlFor="pref-theme">
          {t('prefs.theme')}
        </label>
        <select id="pref-theme" className="input" value={theme} onChange={(e) => setTheme(e.target.value as Theme)} data-testid="theme-select">
          {(['system', 'dark', 'light'] as const).map((x) => (
            <option key={x} value={x}>
              {t(`prefs.theme.${x}`)}
            </option>
          ))}
        </select>
      </div>
    </aside>
  );
}
