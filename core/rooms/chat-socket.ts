import type { Server, Socket } from 'socket.io';
import type { OnAirConfig } from '../config';
import { parseMsg, payload, readName, readRoomId, readText, Windows, MAX_GIFT } from './chat-guards';
import { roomChannel, STREAMER_NAME, userOf, type ChatService } from './chat';

export interface ChatSocketDeps {
  chat: ChatService;
  config: () => OnAirConfig;
  /** the seed's `token`: only the API (or panel) token means anything here — the streamer */
  isStreamer(token: string): boolean;
  /** chat membership of a room changed */
  touched(room: number): void;
}

/** packets of any kind per socket per second, before any handler runs */
const PACKETS_PER_S = 30;
const JOINS_PER_10S = 10;
const ROOMS_PER_SOCKET = 5;
/** names and ids in one `online` broadcast (count always tells the total) */
const ONLINE_LIST = 50;
/** `online` goes out at most this often per room (the latest state, trailing) */
const ONLINE_EVERY_MS = 250;

interface State {
  ip: string;
  name: string | null;
  streamer: boolean;
  rooms: Set<number>;
}

/**
 * The seed-002 events on each socket.io connection: joinLive / leaveLive → `online`, comment → `comment`,
 * gift → `gift`; errors as `socket.emit(socket.id, parseMsg('error', message))`. Every refusal is a strike;
 * a socket with `chat.strikes_to_drop` strikes in a minute is dropped. Nobody else is affected.
 */
export function bindChatSockets(io: Server, deps: ChatSocketDeps): () => void {
  const { chat } = deps;
  const packets = new Windows();
  const talk = new Windows();
  const joins = new Windows();
  const strikes = new Windows();
  const online = new Map<number, { timer: NodeJS.Timeout | null; at: number; action: string; user: unknown }>();

  const sendOnline = (room: number): void => {
    const o = online.get(room);
    if (!o) return;
    o.at = Date.now();
    o.timer = null;
    const c = chat.chat(room);
    const data = [...chat.chatMembers(room)].slice(0, ONLINE_LIST).map(([id, m]) => userOf(id, m.name));
    io.to(roomChannel(room)).emit('online', { clients: c.ids.slice(0, ONLINE_LIST), action: o.action, user: o.user, data, count: c.count });
    if (!c.count) online.delete(room);
  };
  const announce = (room: number, action: 'join' | 'leave', user: unknown): void => {
    let o = online.get(room);
    if (!o) online.set(room, (o = { timer: null, at: 0, action, user }));
    o.action = action;
    o.user = user;
    deps.touched(room);
    if (o.timer) return;
    const wait = o.at + ONLINE_EVERY_MS - Date.now();
    if (wait <= 0) return sendOnline(room);
    o.timer = setTimeout(() => sendOnline(room), wait);
  };

  const onConnection = (socket: Socket): void => {
    const st: State = { ip: socket.handshake.address, name: null, streamer: false, rooms: new Set() };
    const c = (): OnAirConfig['chat'] => deps.config().chat;
    const refuse = (message: string, strike = true): void => {
      socket.emit(socket.id, parseMsg('error', message));
      if (strike && !strikes.take(socket.id, c().strikes_to_drop, 60_000)) {
        chat.log.warn({ ip: st.ip, name: st.name }, 'chat socket dropped: too many refused messages');
        socket.disconnect(true);
      }
    };
    const leaveRoom = (room: number): void => {
      void socket.leave(roomChannel(room));
      st.rooms.delete(room);
      if (chat.leave(room, socket.id)) announce(room, 'leave', userOf(socket.id, st.name ?? ''));
    };
    const guarded = (fn: (m: unknown) => void) => (m: unknown): void => {
      try {
        fn(m);
      } catch (e) {
        chat.log.error({ err: e }, 'chat handler failed');
        refuse('the chat could not do that right now; try again', false);
      }
    };

    socket.use((packet, next) => {
      if (packets.take(socket.id, PACKETS_PER_S, 1000)) return next();
      refuse('too many messages; slow down');
    });

    socket.on('joinLive', guarded((m) => {
      const p = payload(m);
      if (!p) return refuse('joinLive needs { live_id }');
      if (!joins.take(socket.id, JOINS_PER_10S, 10_000)) return refuse('too many joins; slow down');
      const id = readRoomId(p.live_id);
      if (!id.ok) return refuse(id.error);
      const why = chat.checkStatus(id.value);
      if (why) return refuse(why, false);
      if (!st.rooms.has(id.value) && st.rooms.size >= ROOMS_PER_SOCKET) return refuse(`at most ${ROOMS_PER_SOCKET} rooms per connection`);
      if (typeof p.token === 'string' && p.token && p.token.length <= 512 && deps.isStreamer(p.token)) {
        st.streamer = true;
        st.name = STREAMER_NAME;
      } else if (p.name !== undefined && p.name !== null) {
        const n = readName(p.name);
        if (!n.ok) return refuse(n.error);
        if (!st.streamer && n.value.toLowerCase() === STREAMER_NAME.toLowerCase()) return refuse('that name is taken');
        if (!st.streamer) st.name = n.value;
      }
      st.name ??= `guest-${socket.id.slice(0, 5)}`;
      void socket.join(roomChannel(id.value));
      st.rooms.add(id.value);
      chat.join(id.value, socket.id, { name: st.name, ip: st.ip });
      socket.emit('history', chat.history(id.value, 50));
      announce(id.value, 'join', userOf(socket.id, st.name));
    }));

    socket.on('leaveLive', guarded((m) => {
      const id = readRoomId(payload(m)?.live_id);
      if (!id.ok) return refuse(id.error);
      if (st.rooms.has(id.value)) leaveRoom(id.value);
    }));

    /** comment and gift: rate limits, then the payload, the room, bans and slow mode */
    const say = (m: unknown, kind: 'comment' | 'gift'): void => {
      const lim = c();
      if (!talk.take(`s:${socket.id}`, lim.per_socket_5s, 5000)) return refuse(`too many messages: at most ${lim.per_socket_5s} every 5 s`);
      if (!talk.take(`a:${st.ip}`, lim.per_address_5s, 5000)) return refuse('too many messages from this address; slow down');
      const p = payload(m);
      if (!p) return refuse(`${kind} needs { live_id, ${kind === 'gift' ? 'gift' : 'data'} }`);
      const id = readRoomId(p.live_id);
      if (!id.ok) return refuse(id.error);
      const text = kind === 'gift' ? readName(p.gift ?? p.gift_name ?? p.gift_id, 'gift', MAX_GIFT) : readText(p.data);
      if (!text.ok) return refuse(text.error);
      const why = chat.checkStatus(id.value);
      if (why) return refuse(why, false);
      let name = chat.member(id.value, socket.id)?.name ?? st.name;
      if (!st.streamer && p.name !== undefined && p.name !== null) {
        const n = readName(p.name);
        if (!n.ok) return refuse(n.error);
        if (n.value.toLowerCase() === STREAMER_NAME.toLowerCase()) return refuse('that name is taken');
        name = n.value;
      }
      if (!name) return refuse('join the room with a name first (joinLive { live_id, name })', false);
      const denied = st.streamer ? null : chat.refusal(id.value, name, st.ip, socket.id);
      if (denied) return refuse(denied, false);
      chat.post(id.value, { socketId: socket.id, name, ip: st.ip }, text.value, st.streamer && kind === 'comment' ? 'streamer' : kind);
    };
    socket.on('comment', guarded((m) => say(m, 'comment')));
    socket.on('gift', guarded((m) => say(m, 'gift')));

    socket.on('disconnect', () => {
      for (const room of [...st.rooms]) leaveRoom(room);
      packets.delete(socket.id);
      joins.delete(socket.id);
      strikes.delete(socket.id);
      talk.delete(`s:${socket.id}`);
    });
  };

  io.on('connection', onConnection);
  const pruner = setInterval(() => {
    talk.prune(5000);
    strikes.prune(60_000);
  }, 10_000);
  pruner.unref();
  return () => {
    clearInterval(pruner);
    io.off('connection', onConnection);
    for (const o of online.values()) if (o.timer) clearTimeout(o.timer);
    online.clear();
  };
}
