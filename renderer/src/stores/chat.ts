import { create } from 'zustand';
import type { ChatMessage } from '../../../core/contract/rooms';
import type { OnAirClient } from '../client/client';

/** Messages kept per room in the panel (the dock shows the newest). */
const MAX_MESSAGES = 500;

export interface Restriction {
  name: string;
  /** ms epoch; null = banned until unbanned */
  until: number | null;
}

interface ChatState {
  /** messages by room, oldest first; a room is here once its history was asked for */
  byRoom: Record<number, ChatMessage[]>;
  /** slow mode seconds by room, as last set (0 = off) */
  slow: Record<number, number>;
  /** viewers banned or timed out from this panel's view (chat.moderated) */
  restricted: Record<number, Restriction[]>;
  error: string | null;
  loadHistory(c: OnAirClient, room: number): Promise<void>;
  add(m: ChatMessage): void;
  removeMessage(room: number, id: string): void;
  setSlow(room: number, seconds: number): void;
  restrict(room: number, name: string, until: number | null): void;
  unrestrict(room: number, name: string): void;
}

function withMessage(list: ChatMessage[], m: ChatMessage): ChatMessage[] {
  if (list.some((x) => x.id === m.id)) return list;
  const next = [...list, m];
  // events can cross a history answer: keep time order
  if (list.length && list[list.length - 1].at > m.at) next.sort((a, b) => a.at - b.at);
  return next.length > MAX_MESSAGES ? next.slice(next.length - MAX_MESSAGES) : next;
}

/** The chat of each room the panel looks at: chat.history on open, chat.message/chat.moderated after. */
export const useChat = create<ChatState>()((set, get) => ({
  byRoom: {},
  slow: {},
  restricted: {},
  error: null,
  async loadHistory(c, room) {
    try {
      const history = await c.call('chat.history', { room, limit: 200 });
      // merge with anything that came live while the history was on its way
      let list = [...history].sort((a, b) => a.at - b.at);
      for (const m of get().byRoom[room] ?? []) list = withMessage(list, m);
      set((s) => ({ byRoom: { ...s.byRoom, [room]: list }, error: null }));
    } catch (e) {
      set({ error: (e as Error).message });
    }
  },
  add: (m) =>
    set((s) => {
      const list = s.byRoom[m.room];
      // a room nobody opened here: its history is asked for when the dock opens
      if (!list) return {};
      return { byRoom: { ...s.byRoom, [m.room]: withMessage(list, m) } };
    }),
  removeMessage: (room, id) =>
    set((s) => {
      const list = s.byRoom[room];
      if (!list) return {};
      return { byRoom: { ...s.byRoom, [room]: list.filter((m) => m.id !== id) } };
    }),
  setSlow: (room, seconds) => set((s) => ({ slow: { ...s.slow, [room]: seconds } })),
  restrict: (room, name, until) =>
    set((s) => ({ restricted: { ...s.restricted, [room]: [...(s.restricted[room] ?? []).filter((r) => r.name !== name), { name, until }] } })),
  unrestrict: (room, name) => set((s) => ({ restricted: { ...s.restricted, [room]: (s.restricted[room] ?? []).filter((r) => r.name !== name) } })),
}));

/** Live chat into the store; on a reconnect, the history of every open room is asked for again. */
export function wireChat(c: OnAirClient): () => void {
  const offs = [
    c.onStatus((status) => {
      if (status !== 'open') return;
      for (const room of Object.keys(useChat.getState().byRoom)) void useChat.getState().loadHistory(c, Number(room));
    }),
    c.on('chat.message', (m) => useChat.getState().add(m)),
    c.on('chat.moderated', (d) => {
      const st = useChat.getState();
      if (d.action === 'delete' && d.message_id) st.removeMessage(d.room, d.message_id);
      else if (d.action === 'slow') st.setSlow(d.room, d.seconds ?? 0);
      else if (d.action === 'ban' && d.name) st.restrict(d.room, d.name, null);
      else if (d.action === 'timeout' && d.name) st.restrict(d.room, d.name, d.at + (d.seconds ?? 0) * 1000);
      else if (d.action === 'unban' && d.name) st.unrestrict(d.room, d.name);
    }),
  ];
  return () => offs.forEach((off) => off());
}
