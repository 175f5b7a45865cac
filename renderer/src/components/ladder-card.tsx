import { useState } from 'react';
import type { LadderSetting, LadderState } from '../../../core/contract/ladder';
import { client } from '../client/client';
import { useT, type MessageKey } from '../i18n';
import { useLadder } from '../stores/ladder';
import { LadderForm } from './ladder-form';

const PILL: Record<LadderState['state'], string> = {
  off: 'status-cancelled',
  starting: 'status-running',
  running: 'badge-live',
  restarting: 'badge-warn',
  failed: 'status-failed',
};

/** Below this the encoder is falling behind real time (1.0× = keeping up). */
export const SLOW_SPEED = 0.95;

export function LadderPill({ state }: { state: LadderState['state'] }) {
  const t = useT();
  return (
    <span className={`badge ${PILL[state]}`} data-testid="ladder-state" data-state={state}>
      {t(`ladder.state.${state}` as MessageKey)}
    </span>
  );
}

/** The slow-encoder warning (the core's words when it has them: which rung to drop). */
export function SpeedWarning({ l }: { l: LadderState }) {
  const t = useT();
  if (l.speed === null || l.speed >= SLOW_SPEED) return null;
  return (
    <p className="banner banner-warn" role="status" data-testid="ladder-speed-warning">
      {t('ladder.speed.slow', { speed: l.speed.toFixed(2) })} {l.warning ?? ''}
    </p>
  );
}

function presetLabel(t: ReturnType<typeof useT>, s: LadderSetting): string {
  if (s.preset !== 'custom') return t(`ladder.preset.${s.preset}` as MessageKey);
  return `${t('ladder.preset.custom')}: ${(s.rungs ?? []).map((r) => `${r.height}p`).join(' + ')}`;
}

/** The live part: state, encoder, speed, CPU, restarts, last error, and each rung with a live dot. */
function LadderLive({ l }: { l: LadderState }) {
  const t = useT();
  const slow = l.speed !== null && l.speed < SLOW_SPEED;
  return (
    <div className="stack">
      <dl className="facts">
        <div>
          <dt>{t('ladder.state')}</dt>
          <dd>
            <LadderPill state={l.state} />
          </dd>
        </div>
        <div>
          <dt>{t('ladder.encoder')}</dt>
          <dd className="mono" data-testid="ladder-encoder">{l.encoder ?? '—'}</dd>
        </div>
        <div>
          <dt title={t('ladder.speed.hint')}>{t('ladder.speed')}</dt>
          <dd className={slow ? 'tone-warn' : l.speed !== null ? 'tone-ok' : ''} data-testid="ladder-speed" title={t('ladder.speed.hint')}>
            {l.speed === null ? '—' : `${l.speed.toFixed(2)}×`}
          </dd>
        </div>
        <div>
          <dt>{t('ladder.cpu')}</dt>
          <dd data-testid="ladder-cpu">{l.cpu === null ? '—' : `${Math.round(l.cpu)}%`}</dd>
        </div>
        <div>
          <dt>{t('ladder.restarts')}</dt>
          <dd data-testid="ladder-restarts">{l.restarts}</dd>
        </div>
      </dl>
      <SpeedWarning l={l} />
      {l.error && (
        <p className="field-error" data-testid="ladder-error">
          {t('ladder.error', { error: l.error })}
        </p>
      )}
      {l.rungs.length > 0 && (
        <table className="table" aria-label={t('ladder.rungs')} data-testid="ladder-live-rungs">
          <tbody>
            {l.rungs.map((r) => (
              <tr key={r.path} data-testid="ladder-rung" data-path={r.path} data-live={r.live}>
                <td>
                  <span style={{ display: 'inline-block' }} className={`dot${r.live ? ' dot-open' : ''}`} title={t(r.live ? 'ladder.rung.live' : 'ladder.rung.waiting')} aria-label={t(r.live ? 'ladder.rung.live' : 'ladder.rung.waiting')} role="img" />
                </td>
                <td>
                  <strong>{r.name}</strong>
                </td>
                <td className="mono">{r.width && r.height ? `${r.width}x${r.height}` : '—'}</td>
                <td>{r.fps === null ? t('ladder.fps.source') : `${r.fps} fps`}</td>
                <td>{`${r.video_kbps} + ${r.audio_kbps} kbps`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Stream detail → "Bitrate ladder": the setting in effect (stream / app / fission), an override editor, the live state. */
export function LadderCard({ app, path }: { app: string; path: string }) {
  const t = useT();
  const l = useLadder((s) => s.bySource[path]);
  const settings = useLadder((s) => s.settings);
  const [editing, setEditing] = useState(false);
  const own = settings?.streams[path] ?? null;
  const appSetting = settings?.apps[app] ?? null;
  const effect = own ? t('ladder.from.stream') : appSetting ? t('ladder.from.app', { app }) : l?.from === 'fission' ? t('ladder.from.fission') : t('ladder.from.none');
  const inEffect = own ?? appSetting;
  const reload = (): void => {
    setEditing(false);
    void useLadder.getState().loadSettings(client());
    void useLadder.getState().load(client());
  };
  return (
    <section className="card stack" aria-labelledby="ladder-title" data-testid="ladder-card">
      <h3 id="ladder-title" className="card-title">
        {t('ladder.title')}
      </h3>
      <div data-testid="ladder-effect">
        <span className="muted">{t('ladder.effect')}:</span> {effect}
        {inEffect && ` · ${presetLabel(t, inEffect)}`}
      </div>
      {l ? <LadderLive l={l} /> : <p className="muted">{t('ladder.notRunning')}</p>}
      {editing ? (
        <>
          <h4 className="field-label">{t('ladder.override')}</h4>
          <LadderForm scope={{ stream: path }} current={own} onSaved={reload} onCancel={() => setEditing(false)} testId="ladder-override" />
        </>
      ) : (
        <div className="rec-head">
          <button type="button" className="btn btn-small" onClick={() => setEditing(true)} disabled={!settings} data-testid="ladder-override-edit">
            {t('ladder.override.edit')}
          </button>
        </div>
      )}
    </section>
  );
}
