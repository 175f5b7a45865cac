import type { Room } from '../../../core/contract/rooms';
import { client, ClientError } from '../client/client';
import { useT, type MessageKey } from '../i18n';
import { hrefOf } from '../router';
import { useKeys } from '../stores/keys';
import { httpBase, useRooms, watchUrl } from '../stores/rooms';
import { useServer } from '../stores/server';
import { ConfirmButton } from './confirm-button';
import { CopyField } from './copy-field';
import { toast } from './toast';

const PILL: Record<Room['status'], string> = { 0: 'status-queued', 1: 'badge-live', 2: 'badge-warn', 3: 'status-cancelled' };

/** 0 not started / 1 live / 2 paused / 3 ended. */
export function RoomPill({ status }: { status: Room['status'] }) {
  const t = useT();
  return (
    <span className={`badge ${PILL[status]}`} data-testid="room-status" data-status={status}>
      {t(`rooms.status.${status}` as MessageKey)}
    </span>
  );
}

/** "12 watching · RTMP 1 · FLV 3 · HLS 8 · chat 5" */
export function viewersText(v: Room['viewers'], t: ReturnType<typeof useT>): string {
  return t('chat.viewers', { total: v.total, rtmp: v.rtmp, flv: v.flv, hls: v.hls, chat: v.chat });
}

async function setStatus(r: Room, type: 'play' | 'pause' | 'stop'): Promise<void> {
  try {
    useRooms.getState().upsert(await client().call('rooms.status', { id: r.id, type }));
  } catch (e) {
    toast('error', e instanceof ClientError ? e.message : String(e));
  }
}

/** play / pause / end by hand; an ended room stays ended and shows none. */
export function RoomControls({ r }: { r: Room }) {
  const t = useT();
  if (r.status === 3) return null;
  return (
    <>
      {r.status !== 1 && (
        <button type="button" className="btn btn-small" aria-label={t('rooms.play.label', { title: r.title })} onClick={() => void setStatus(r, 'play')} data-testid="room-play">
          ▶ {t('rooms.play')}
        </button>
      )}
      {r.status === 1 && (
        <button type="button" className="btn btn-small" aria-label={t('rooms.pause.label', { title: r.title })} onClick={() => void setStatus(r, 'pause')} data-testid="room-pause">
          ❚❚ {t('rooms.pause')}
        </button>
      )}
      <ConfirmButton
        label={`■ ${t('rooms.stop')}`}
        confirmLabel={t('rooms.stop.yes')}
        cancelLabel={t('keys.cancel')}
        question={t('rooms.stop.confirm', { title: r.title })}
        onConfirm={() => void setStatus(r, 'stop')}
        testId="room-stop"
      />
    </>
  );
}

/** One room: its state, who is watching, the link to share, and the hand controls. */
export function RoomCard({ r }: { r: Room }) {
  const t = useT();
  const ports = useServer((s) => s.status?.ports);
  const keyLabel = useKeys((s) => Object.values(s.byId).find((k) => k.key === r.key && k.app === r.app)?.label);
  const remove = async (): Promise<void> => {
    try {
      await client().call('rooms.remove', { id: r.id });
      useRooms.getState().remove(r.id);
      toast('ok', t('rooms.removed', { title: r.title }));
    } catch (e) {
      toast('error', e instanceof ClientError ? e.message : String(e));
    }
  };
  const v = r.viewers;
  return (
    <li className="job card" data-testid="room-card" data-id={r.id} data-status={r.status}>
      <div className="job-thumb room-cover">{r.cover ? <img src={r.cover} alt="" referrerPolicy="no-referrer" /> : <span aria-hidden="true">#{r.id}</span>}</div>
      <div className="job-main">
        <div className="rec-head">
          <strong className="job-title" data-testid="room-title">
            {r.title}
          </strong>
          <RoomPill status={r.status} />
          <span className="chip mono">#{r.id}</span>
        </div>
        <dl className="facts">
          <div>
            <dt>{t('rooms.viewers')}</dt>
            <dd data-testid="room-viewers" data-total={v.total} data-chat={v.chat}>
              {v.total}
            </dd>
          </div>
          <div className="facts-wide">
            <dt>{t('rooms.viewers.by')}</dt>
            <dd data-testid="room-viewers-split">{t('rooms.viewers.split', { rtmp: v.rtmp, flv: v.flv, hls: v.hls, chat: v.chat })}</dd>
          </div>
          <div>
            <dt>{t('rooms.lookCount')}</dt>
            <dd>{r.look_count}</dd>
          </div>
          <div>
            <dt>{t('rooms.stream')}</dt>
            <dd className="mono" data-testid="room-stream-path">
              /{r.app}/{r.stream}
            </dd>
          </div>
          <div>
            <dt>{t('rooms.keyLabel')}</dt>
            <dd data-testid="room-key-label">{keyLabel ?? '…'}</dd>
          </div>
        </dl>
        <CopyField label={t('rooms.watch')} value={watchUrl(r, httpBase(ports))} testId="room-watch" />
        <a href={hrefOf({ page: 'stream', app: r.app, name: r.stream })} data-testid="room-open-chat">
          {t('rooms.chat')}
        </a>
      </div>
      <div className="rec-actions">
        <RoomControls r={r} />
        <ConfirmButton
          label={t('rooms.remove')}
          confirmLabel={t('rooms.remove.yes')}
          cancelLabel={t('keys.cancel')}
          question={t('rooms.remove.confirm', { title: r.title })}
          onConfirm={() => void remove()}
          testId="room-remove"
        />
      </div>
    </li>
  );
}
