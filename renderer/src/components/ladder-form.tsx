import { useId, useState } from 'react';
import { LADDER_MAX_RUNGS, LADDER_PRESET_RUNGS, LADDER_PRESETS, type LadderPresetName, type LadderRungData } from '../../../core/contract/ladder-presets';
import type { LadderSetting } from '../../../core/contract/ladder';
import { client, ClientError } from '../client/client';
import { useT, type MessageKey } from '../i18n';
import { toast } from './toast';

type Col = 'height' | 'fps' | 'video_kbps' | 'audio_kbps';
const COLS: Array<{ id: Col; key: MessageKey }> = [
  { id: 'height', key: 'ladder.col.height' },
  { id: 'fps', key: 'ladder.col.fps' },
  { id: 'video_kbps', key: 'ladder.col.video' },
  { id: 'audio_kbps', key: 'ladder.col.audio' },
];

type Row = Record<Col, string>;
export type LadderScope = { app: string } | { stream: string };

const rowOf = (r: LadderRungData): Row => ({ height: String(r.height), fps: r.fps === null ? '' : String(r.fps), video_kbps: String(r.video_kbps), audio_kbps: String(r.audio_kbps) });
const NEW_ROW: Row = { height: '360', fps: '', video_kbps: '800', audio_kbps: '96' };
/** Common heights with a sensible video bitrate, for the row "Add rung" appends (the next one down). */
const STEPS: Array<[number, number]> = [[2160, 14000], [1440, 8000], [1080, 5000], [720, 2800], [480, 1400], [360, 800], [240, 400], [144, 200]];

function nextRow(rows: Row[]): Row {
  const last = Number(rows[rows.length - 1]?.height);
  const step = Number.isFinite(last) ? STEPS.find(([h]) => h < last) : undefined;
  if (!rows.length || !step) return { ...NEW_ROW };
  return { height: String(step[0]), fps: rows[rows.length - 1].fps, video_kbps: String(step[1]), audio_kbps: step[0] >= 720 ? '128' : '96' };
}

function rowsOf(s: LadderSetting | null | undefined): Row[] {
  if (!s) return [];
  if (s.preset === 'custom') return (s.rungs ?? []).map(rowOf);
  if (s.preset === 'off') return [];
  return LADDER_PRESET_RUNGS[s.preset].map(rowOf);
}

/** A number when the text is one; else the text itself, so the server's validator names the field. */
function num(v: string): number {
  const t = v.trim();
  return (t !== '' && Number.isFinite(Number(t)) ? Number(t) : t) as number;
}

/** Per-row, per-column messages from a refusal ("setting.rungs.0.height"); the rest goes to `form`. */
function errorsOf(e: unknown): { cells: Record<string, string>; form: string | null } {
  const cells: Record<string, string> = {};
  if (!(e instanceof ClientError)) return { cells, form: String(e) };
  let form: string | null = null;
  for (const i of e.issues) {
    const m = /^setting\.rungs\.(\d+)\.(\w+)$/.exec(i.path);
    if (m) cells[`${m[1]}.${m[2]}`] ??= i.message;
    else form ??= i.message;
  }
  if (!Object.keys(cells).length) form ??= e.message;
  return { cells, form };
}

/**
 * The ladder editor for an app or one stream: a preset (its rungs shown read-only) or custom rows of height /
 * fps (blank = the source's) / video kbps / audio kbps. Saves with ladder.set; the server's issues go under the
 * cell they name. `onRemove` (stream overrides): "use the app's ladder" sends a null setting.
 */
export function LadderForm({ scope, current, onSaved, onCancel, testId = 'ladder' }: { scope: LadderScope; current: LadderSetting | null | undefined; onSaved?: () => void; onCancel?: () => void; testId?: string }) {
  const t = useT();
  const presetId = useId();
  const [preset, setPreset] = useState<LadderPresetName>(current?.preset ?? 'off');
  const [rows, setRows] = useState<Row[]>(() => (current?.preset === 'custom' ? rowsOf(current) : []));
  const [cells, setCells] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const choose = (p: LadderPresetName): void => {
    // Custom starts from what was shown (the preset's rungs), or one row
    if (p === 'custom' && rows.length === 0) setRows(preset !== 'off' && preset !== 'custom' ? LADDER_PRESET_RUNGS[preset].map(rowOf) : [{ ...NEW_ROW }]);
    setPreset(p);
    setCells({});
    setFormError(null);
  };
  const edit = (i: number, c: Col, v: string): void => {
    setRows(rows.map((r, j) => (j === i ? { ...r, [c]: v } : r)));
    if (cells[`${i}.${c}`]) setCells({ ...cells, [`${i}.${c}`]: '' });
  };

  const send = async (setting: LadderSetting | null): Promise<void> => {
    setBusy(true);
    setFormError(null);
    try {
      await client().call('ladder.set', { scope, setting });
      setCells({});
      toast('ok', t(setting ? 'ladder.saved' : 'ladder.removed'));
      onSaved?.();
    } catch (e) {
      const errs = errorsOf(e);
      setCells(errs.cells);
      setFormError(Object.keys(errs.cells).length ? t('ladder.fix') : errs.form);
    } finally {
      setBusy(false);
    }
  };
  const save = (): Promise<void> => {
    if (preset !== 'custom') return send({ preset });
    const rungs = rows.map((r) => ({ height: num(r.height), fps: r.fps.trim() === '' ? null : num(r.fps), video_kbps: num(r.video_kbps), audio_kbps: num(r.audio_kbps) }));
    return send({ preset, rungs });
  };

  const shown = preset === 'custom' ? null : preset === 'off' ? [] : LADDER_PRESET_RUNGS[preset];
  return (
    <form
      className="stack"
      data-testid={`${testId}-form`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="field">
        <label className="field-label" htmlFor={presetId}>
          {t('ladder.preset')}
        </label>
        <select id={presetId} className="input input-auto" value={preset} onChange={(e) => choose(e.target.value as LadderPresetName)} data-testid={`${testId}-preset`}>
          {LADDER_PRESETS.map((p) => (
            <option key={p} value={p}>
              {t(`ladder.preset.${p}` as MessageKey)}
            </option>
          ))}
        </select>
      </div>
      {(shown === null || shown.length > 0) && (
        <div className="table-wrap">
          <table className="table" data-testid={`${testId}-rungs`}>
            <thead>
              <tr>
                {COLS.map((c) => (
                  <th key={c.id} scope="col">
                    {t(c.key)}
                  </th>
                ))}
                {shown === null && <th />}
              </tr>
            </thead>
            <tbody>
              {shown?.map((r) => (
                <tr key={r.height}>
                  <td>{r.height}p</td>
                  <td>{r.fps ?? t('ladder.fps.source')}</td>
                  <td>{r.video_kbps}</td>
                  <td>{r.audio_kbps}</td>
                </tr>
              ))}
              {shown === null &&
                rows.map((r, i) => (
                  <tr key={i} data-testid={`${testId}-row`}>
                    {COLS.map((c) => {
                      const err = cells[`${i}.${c.id}`];
                      const n = `${testId}-${i}-${c.id}`;
                      return (
                        <td key={c.id}>
                          <input
                            className="input input-num input-small"
                            inputMode="numeric"
                            value={r[c.id]}
                            placeholder={c.id === 'fps' ? t('ladder.fps.source') : undefined}
                            aria-label={`${t('ladder.row', { n: i + 1 })} ${t(c.key)}`}
                            aria-invalid={err ? true : undefined}
                            aria-describedby={err ? `${n}-err` : undefined}
                            onChange={(e) => edit(i, c.id, e.target.value)}
                            data-testid={n}
                          />
                          {err && (
                            <p id={`${n}-err`} className="field-error" role="alert" data-testid={`${n}-error`}>
                              {err}
                            </p>
                          )}
                        </td>
                      );
                    })}
                    <td>
                      <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => setRows(rows.filter((_, j) => j !== i))} data-testid={`${testId}-${i}-remove`}>
                        {t('ladder.row.remove')}
                      </button>
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
      {shown === null && (
        <div className="rec-head">
          <button type="button" className="btn btn-small" disabled={rows.length >= LADDER_MAX_RUNGS} onClick={() => setRows([...rows, nextRow(rows)])} data-testid={`${testId}-add-row`}>
            {t('ladder.row.add')}
          </button>
          {rows.length >= LADDER_MAX_RUNGS && <span className="muted">{t('ladder.row.max', { n: LADDER_MAX_RUNGS })}</span>}
        </div>
      )}
      <p className="field-hint">{t('ladder.note')}</p>
      {formError && (
        <p className="field-error" role="alert" data-testid={`${testId}-form-error`}>
          {formError}
        </p>
      )}
      <div className="rec-head">
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid={`${testId}-save`}>
          {busy ? t('ladder.saving') : t('ladder.save')}
        </button>
        {'stream' in scope && current && (
          <button type="button" className="btn" disabled={busy} onClick={() => void send(null)} data-testid={`${testId}-remove`}>
            {t('ladder.override.remove')}
          </button>
        )}
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel} data-testid={`${testId}-cancel`}>
            {t('ladder.override.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
