import type { HealthAdvice, StreamHealth } from '../../../core/contract';
import { useT, type MessageKey, type Translate } from '../i18n';
import { useHealth } from '../stores/health';

/** The numbers of an advice as the message shows them (Mbit/s with one decimal, whole minutes and ms). */
function vars(a: HealthAdvice): Record<string, string | number> {
  const p = a.params;
  switch (a.check) {
    case 'keyframes': return { seconds: p.seconds.toFixed(1) };
    case 'upload': return { need: (p.need / 1e6).toFixed(1), lo: (p.lo / 1e6).toFixed(1), hi: (p.hi / 1e6).toFixed(1) };
    case 'disk': return { minutes: Math.floor(p.minutes) };
    case 'publisher_lag': return { ms: Math.round(p.ms) };
    case 'ladder_speed': return { speed: p.speed.toFixed(2) };
    case 'bitrate_swings': return { ratio: p.ratio.toFixed(1) };
    default: return {};
  }
}

export function adviceText(t: Translate, a: HealthAdvice): string {
  return t(`shealth.advice.${a.check}` as MessageKey, vars(a));
}

const PILL: Record<StreamHealth['verdict'], string> = { good: 'badge-good', warning: 'badge-warn', bad: 'badge-bad' };

/** The verdict pill and the one advice that matters most now (the full list with `all`). */
export function HealthPill({ path, all = false }: { path: string; all?: boolean }) {
  const t = useT();
  const h = useHealth((st) => st.byPath[path]);
  if (!h) return null;
  const rest = all ? h.list.slice(1) : [];
  return (
    <div className="health-line" data-testid="stream-health" data-verdict={h.verdict}>
      <span className={`badge small ${PILL[h.verdict]}`} data-testid="health-pill">
        {t(`shealth.${h.verdict}`)}
      </span>
      <span className="health-advice" data-testid="health-advice" data-check={h.advice?.check ?? ''}>
        {h.advice ? adviceText(t, h.advice) : all ? t('shealth.allGood') : ''}
      </span>
      {rest.length > 0 && (
        <ul className="health-rest muted">
          {rest.map((a) => (
            <li key={a.check}>{adviceText(t, a)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
