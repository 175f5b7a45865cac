import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import type { ChatMessage, Room } from '../../../core/contract/rooms';
import { client, ClientError } from '../client/client';
import { useT } from '../i18n';
import { hrefOf } from '../router';
import { useChat } from '../stores/chat';
import { useRooms } from '../stores/rooms';
import { RoomPill, viewersText } from './room-card';
import { toast } from './toast';

const SLOW = [0, 5, 10, 30] as const;
const NO_MESSAGES: ChatMessage[] = [];

function fail(e: unknown): void {
  toast('error', e instanceof ClientError ? e.message : String(e));
}

/** Time out (seconds) or ban (none) a viewer by name; the core also bans their address. */
async function restrict(room: number, name: string, seconds: number | undefined, ok: string): Promise<void> {
  try {
    await client().call('chat.ban', seconds ? { room, name, seconds } : { room, name });
    useChat.getState().restrict(room, name, seconds ? Date.now() + seconds * 1000 : null);
    toast('ok', ok);
  } catch (e) {
    fail(e);
  }
}

async function unban(room: number, name: string, ok: string): Promise<void> {
  try {
    await client().call('chat.unban', { room, name });
    useChat.getState().unrestrict(room, name);
    toast('ok', ok);
  } catch (e) {
    fail(e);
  }
}

/** One message, as text only (React text nodes: a message's markup is shown, never run). */
function MessageRow({ m }: { m: ChatMessage }) {
  const t = useT();
  const del = async (): Promise<void> => {
    try {
      await client().call('chat.delete', { room: m.room, message_id: m.id });
      useChat.getState().removeMessage(m.room, m.id);
    } catch (e) {
      fail(e);
    }
  };
  const viewer = m.kind !== 'streamer';
  return (
    <li className={`chat-msg chat-${m.kind}`} data-testid="chat-msg" data-id={m.id} data-kind={m.kind}>
      <span className="chat-time muted">{new Date(m.at).toLocaleTimeString()}</span>{' '}
      <strong className="chat-name" data-testid="chat-name" title={m.kind === 'streamer' ? t('chat.streamer') : undefined}>
        {m.name}
      </strong>
      {m.kind === 'gift' && <span className="chip small">🎁 {t('chat.gift')}</span>}{' '}
      <span className="chat-text" data-testid="chat-text">
        {m.text}
      </span>
      <span className="chat-actions">
        <button type="button" className="btn btn-small btn-danger-ghost" aria-label={t('chat.delete.label', { name: m.name })} onClick={() => void del()} data-testid="chat-delete">
          {t('chat.delete')}
        </button>
        {viewer && (
          <details className="chat-mod" onClick={(e) => e.target instanceof HTMLButtonElement && e.currentTarget.removeAttribute('open')}>
            <summary className="btn btn-small" aria-label={t('chat.actions.label', { name: m.name })} data-testid="chat-mod">
              ⋯
            </summary>
            <div className="chat-mod-menu">
              <button type="button" className="btn btn-small" onClick={() => void restrict(m.room, m.name, 60, t('chat.timedOut', { name: m.name, s: 60 }))} data-testid="chat-timeout-60">
                {t('chat.timeout60')}
              </button>
              <button type="button" className="btn btn-small" onClick={() => void restrict(m.room, m.name, 600, t('chat.timedOut', { name: m.name, s: 600 }))} data-testid="chat-timeout-600">
                {t('chat.timeout600')}
              </button>
              <button type="button" className="btn btn-small btn-danger" onClick={() => void restrict(m.room, m.name, undefined, t('chat.banned', { name: m.name }))} data-testid="chat-ban">
                {t('chat.ban')}
              </button>
              <button type="button" className="btn btn-small" onClick={() => void unban(m.room, m.name, t('chat.unbanned', { name: m.name }))} data-testid="chat-unban">
                {t('chat.unban')}
              </button>
            </div>
          </details>
        )}
      </span>
    </li>
  );
}

/** The streamer's reply box. */
function Reply({ room, disabled }: { room: number; disabled: boolean }) {
  const t = useT();
  const id = useId();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const send = async (): Promise<void> => {
    const v = text.trim();
    if (!v) return;
    setBusy(true);
    try {
      useChat.getState().add(await client().call('chat.send', { room, text: v }));
      setText('');
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="copy-row"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <label htmlFor={id} className="sr-only">
        {t('chat.reply')}
      </label>
      <input id={id} className="input" maxLength={500} placeholder={t('chat.reply')} value={text} onChange={(e) => setText(e.target.value)} disabled={disabled} data-testid="chat-input" autoComplete="off" />
      <button type="submit" className="btn btn-primary" disabled={disabled || busy || !text.trim()} data-testid="chat-send">
        {t('chat.send')}
      </button>
    </form>
  );
}

/** The chat of the room a stream belongs to: read, reply, delete, time out, ban, slow mode, viewers. */
export function ChatDock({ room }: { room: Room }) {
  const t = useT();
  const slowId = useId();
  const messages = useChat((s) => s.byRoom[room.id]) ?? NO_MESSAGES;
  const slow = useChat((s) => s.slow[room.id] ?? 0);
  const restricted = useChat((s) => s.restricted[room.id]) ?? [];
  const online = useRooms((s) => s.online[room.id]) ?? [];
  const listRef = useRef<HTMLOListElement>(null);
  const atBottom = useRef(true);
  useEffect(() => {
    void useChat.getState().loadHistory(client(), room.id);
  }, [room.id]);
  // follow new messages, unless the streamer scrolled up to read
  useLayoutEffect(() => {
    const el = listRef.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [messages]);
  const setSlow = async (seconds: number): Promise<void> => {
    try {
      await client().call('chat.slow', { room: room.id, seconds });
      useChat.getState().setSlow(room.id, seconds);
      toast('ok', seconds ? t('chat.slow.set', { n: seconds }) : t('chat.slow.unset'));
    } catch (e) {
      fail(e);
    }
  };
  const now = Date.now();
  const active = restricted.filter((r) => r.until === null || r.until > now);
  return (
    <section className="card chat-dock" aria-labelledby="chat-title" data-testid="chat-dock" data-room={room.id}>
      <div className="rec-head">
        <h3 id="chat-title" className="card-title chat-title">
          {t('chat.title', { title: room.title })}
        </h3>
        <RoomPill status={room.status} />
        <span className="spacer" />
        <label className="inline-label" htmlFor={slowId}>
          {t('chat.slow')}
        </label>
        <select id={slowId} className="input input-auto" value={slow} onChange={(e) => void setSlow(Number(e.target.value))} data-testid="chat-slow">
          {SLOW.map((n) => (
            <option key={n} value={n}>
              {n ? t('chat.slow.n', { n }) : t('chat.slow.off')}
            </option>
          ))}
        </select>
      </div>
      <p className="job-info" data-testid="chat-viewers" data-total={room.viewers.total} data-chat={room.viewers.chat}>
        {viewersText(room.viewers, t)}
      </p>
      {online.length > 0 && <p className="job-info chat-online">{t('chat.online', { names: online.join(', ') })}</p>}
      <ol
        ref={listRef}
        className="chat-list"
        role="log"
        aria-live="polite"
        aria-label={t('chat.title', { title: room.title })}
        data-testid="chat-list"
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {messages.length === 0 && <li className="muted">{t('chat.empty')}</li>}
        {messages.map((m) => (
          <MessageRow key={m.id} m={m} />
        ))}
      </ol>
      {room.status === 3 ? <p className="muted">{t('chat.roomEnded')}</p> : <Reply room={room.id} disabled={false} />}
      {active.length > 0 && (
        <div className="chat-restricted" data-testid="chat-restricted">
          <span className="field-label">{t('chat.bannedList')}</span>
          <ul className="chat-restricted-list">
            {active.map((r) => (
              <li key={r.name} data-testid="chat-restricted-name">
                <span>{r.name}</span>
                {r.until !== null && <span className="muted"> · {new Date(r.until).toLocaleTimeString()}</span>}{' '}
                <button type="button" className="btn btn-small" onClick={() => void unban(room.id, r.name, t('chat.unbanned', { name: r.name }))} data-testid="chat-restricted-unban">
                  {t('chat.unban')}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <a href={hrefOf({ page: 'rooms' })}>{t('chat.manageRoom')}</a>
    </section>
  );
}
