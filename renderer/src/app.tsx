import { useEffect } from 'react';
import { ConnPill } from './components/conn-pill';
import { HealthNotifier } from './components/health-notify';
import { Sidebar } from './components/sidebar';
import { Toasts } from './components/toast';
import { useT, type MessageKey } from './i18n';
import { Dashboard } from './pages/dashboard';
import { DestinationsPage } from './pages/destinations';
import { KeysPage } from './pages/keys';
import { Login } from './pages/login';
import { LogsPage } from './pages/logs';
import { RecordingsPage } from './pages/recordings';
import { RoomsPage } from './pages/rooms';
import { ClusterPage } from './pages/cluster';
import { SettingsPage } from './pages/settings';
import { StreamDetail } from './pages/stream-detail';
import { TranscodePage } from './pages/transcode';
import { useRoute } from './router';
import { useConnection } from './stores/connection';
import { usePrefs } from './stores/prefs';

function useThemeAndLang(): void {
  const theme = usePrefs((s) => s.theme);
  const lang = usePrefs((s) => s.lang);
  useEffect(() => {
    const apply = (): void => {
      const dark = theme === 'dark' || (theme === 'system' && window.matchMedia('(prefers-color-scheme: dark)').matches);
      document.documentElement.dataset.theme = dark ? 'dark' : 'light';
    };
    apply();
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    mq.addEventListener('change', apply);
    return () => mq.removeEventListener('change', apply);
  }, [theme]);
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);
}

const TITLES: Record<string, MessageKey> = {
  dashboard: 'nav.dashboard',
  stream: 'nav.stream',
  settings: 'nav.settings',
  logs: 'nav.logs',
  recordings: 'nav.recordings',
  transcode: 'nav.transcode',
  destinations: 'nav.destinations',
  keys: 'nav.keys',
  rooms: 'nav.rooms',
  cluster: 'nav.cluster',
};

export function App() {
  const t = useT();
  useThemeAndLang();
  const route = useRoute((s) => s.route);
  const status = useConnection((s) => s.status);
  useEffect(() => {
    document.title = `${t(TITLES[route.page])} · ${t('app.name')}`;
  }, [route, t]);
  if (status === 'unauthorized') return <Login />;
  return (
    <div className="shell">
      <a className="skip" href="#main">
        {t('a11y.skip')}
      </a>
      <Sidebar />
      <div className="main-col">
        <header className="topbar">
          <h1 className="topbar-title">{t(TITLES[route.page])}</h1>
          <span className="spacer" />
          <ConnPill />
        </header>
        <main id="main" className="content" tabIndex={-1}>
          {route.page === 'dashboard' && <Dashboard />}
          {route.page === 'stream' && <StreamDetail key={`${route.app}/${route.name}`} app={route.app} name={route.name} />}
          {route.page === 'settings' && <SettingsPage />}
          {route.page === 'logs' && <LogsPage />}
          {route.page === 'recordings' && <RecordingsPage />}
          {route.page === 'transcode' && <TranscodePage />}
          {route.page === 'destinations' && <DestinationsPage />}
          {route.page === 'keys' && <KeysPage />}
          {route.page === 'rooms' && <RoomsPage />}
          {route.page === 'cluster' && <ClusterPage />}
        </main>
      </div>
      <Toasts />
      <HealthNotifier />
    </div>
  );
}
