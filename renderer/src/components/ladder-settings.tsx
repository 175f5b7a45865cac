import { useEffect, useId, useState } from 'react';
import { client } from '../client/client';
import { useT } from '../i18n';
import { useLadder } from '../stores/ladder';
import { useStreams } from '../stores/streams';
import { LadderForm } from './ladder-form';

/** Settings → "Bitrate ladder": one app at a time (default `live`), its preset or custom rungs, and on-demand. */
export function LadderSettings() {
  const t = useT();
  const appId = useId();
  const listId = useId();
  const settings = useLadder((s) => s.settings);
  const error = useLadder((s) => s.error);
  const streams = useStreams((s) => s.streams);
  const [app, setApp] = useState('live');

  useEffect(() => {
    void useLadder.getState().loadSettings(client());
  }, []);

  const apps = [...new Set(['live', ...Object.keys(settings?.apps ?? {}), ...Object.values(streams).map((s) => s.app)])].sort();
  const current = settings?.apps[app.trim()] ?? null;
  const reload = (): void => {
    void useLadder.getState().loadSettings(client());
    void useLadder.getState().load(client());
  };
  return (
    <section className="card stack" style={{ maxWidth: 820 }} aria-labelledby={`${appId}-title`} data-testid="ladder-settings">
      <h3 id={`${appId}-title`} className="card-title">
        {t('ladder.title')}
      </h3>
      <div className="field">
        <label className="field-label" htmlFor={appId}>
          {t('ladder.app')}
        </label>
        <input id={appId} className="input input-auto" list={listId} value={app} onChange={(e) => setApp(e.target.value)} autoComplete="off" spellCheck={false} data-testid="ladder-app" />
        <datalist id={listId}>
          {apps.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <p className="field-hint">{t('ladder.app.hint')}</p>
      </div>
      {!settings && error && (
        <p className="field-error" role="alert">
          {t('ladder.notLoaded', { error })}
        </p>
      )}
      {settings && (
        // a new app or a saved change starts the form from what is saved
        <LadderForm key={`${app.trim()}:${JSON.stringify(current)}`} scope={{ app: app.trim() }} current={current} onSaved={reload} testId="ladder" />
      )}
      {settings && (
        <div className="field" data-testid="ladder-on-demand" data-on={settings.on_demand}>
          <span className="field-label">{t('ladder.onDemand')}</span>
          <span>{t(settings.on_demand ? 'ladder.onDemand.on' : 'ladder.onDemand.off')}</span>
          <p className="field-hint">{t('ladder.onDemand.hint')}</p>
        </div>
      )}
    </section>
  );
}
