// The public watch page's script (core/rooms/watch-page.ts renders the page; served as is from
// /watch/assets/watch.js). Plain ES module, no build step: the player (LL-HLS, then HLS; an ABR ladder when
// the stream has one), the room's live state, and the chat over socket.io. Messages are text only
// (textContent), never HTML.
/* global crypto, CSS, URLSearchParams */
import { io } from './socket.io.mjs';

const $ = (id) => document.getElementById(id);
const root = $('watch');
const cfg = JSON.parse(root.dataset.config);
const video = $('video');
const STATUS = { 0: 'Not started yet', 1: 'Live', 2: 'Paused', 3: 'This stream has ended' };

/** one id per page: HLS viewers are counted by session (`vs=`), not by segment requests */
const vs = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

function playlistUrl(file) {
  const q = new URLSearchParams({ vs });
  if (cfg.sign) q.set('sign', cfg.sign);
  return `${cfg.stream}/${file}?${q}`;
}

function notice(text) {
  $('notice').textContent = text;
}

// ---- player ----------------------------------------------------------------------------------------------

let hls = null;
let starting = false;
let retryTimer = 0;

function stopPlayer() {
  clearTimeout(retryTimer);
  if (hls) hls.destroy();
  hls = null;
  video.removeAttribute('src');
  video.load();
}

/** abr-ll.m3u8 when it lists more than one rendition (a ladder), else the source's own playlists */
async function playlists() {
  try {
    const r = await fetch(playlistUrl('abr-ll.m3u8'), { cache: 'no-store' });
    if (r.ok && ((await r.text()).match(/#EXT-X-STREAM-INF/g) ?? []).length > 1) return ['abr-ll.m3u8', 'll.m3u8', 'index.m3u8'];
  } catch {}
  return ['ll.m3u8', 'index.m3u8'];
}

function retryLater() {
  stopPlayer();
  if (cfg.status === 3) return;
  notice('Waiting for the stream…');
  retryTimer = setTimeout(startPlayer, 3000);
}

async function startPlayer() {
  if (starting || hls || cfg.status === 3) return;
  if (!cfg.stream) return notice('This room has no stream.');
  starting = true;
  try {
    if (cfg.expires && cfg.expires * 1000 < Date.now()) return notice('This playback link has expired: reload the page.');
    notice('Loading the stream…');
    const { default: Hls } = await import('./hls.mjs');
    if (!Hls.isSupported()) {
      if (video.canPlayType('application/vnd.apple.mpegurl')) {
        video.src = playlistUrl('index.m3u8');
        video.play().catch(() => {});
        return notice('');
      }
      return notice('This browser cannot play the stream.');
    }
    const files = await playlists();
    if (cfg.status === 3) return;
    attach(Hls, files, 0);
  } catch (e) {
    notice(`The player failed to load: ${e && e.message}`);
  } finally {
    starting = false;
  }
}

function attach(Hls, files, i) {
  const file = files[i];
  const player = new Hls({ lowLatencyMode: file.includes('ll'), liveDurationInfinity: true, manifestLoadingMaxRetry: 1 });
  hls = player;
  player.on(Hls.Events.MANIFEST_PARSED, () => {
    notice('');
    root.dataset.playlist = file;
    video.play().catch(() => {});
  });
  player.on(Hls.Events.ERROR, (_e, d) => {
    if (!d.fatal || hls !== player) return;
    const manifest = d.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR || d.details === Hls.ErrorDetails.MANIFEST_LOAD_TIMEOUT || d.details === Hls.ErrorDetails.MANIFEST_PARSING_ERROR;
    if (manifest && i + 1 < files.length) {
      player.destroy();
      hls = null;
      return attach(Hls, files, i + 1); // LL-HLS not there: plain HLS
    }
    if (d.type === Hls.ErrorTypes.MEDIA_ERROR) return player.recoverMediaError();
    retryLater();
  });
  player.loadSource(playlistUrl(file));
  player.attachMedia(video);
}

// ---- room state ------------------------------------------------------------------------------------------

function showState(s) {
  const prev = cfg.status;
  cfg.status = s.status;
  $('title').textContent = s.title;
  document.title = `${s.title} · OnAir Studio`;
  $('status').textContent = STATUS[s.status];
  $('status').className = `status s${s.status}`;
  $('viewers').textContent = String(s.viewers);
  root.dataset.status = String(s.status);
  if (s.status === 3) {
    stopPlayer();
    notice(STATUS[3]);
  } else if (s.status === 2) {
    if (prev !== 2) notice('Paused: the stream will be back shortly…');
  } else if (s.status === 1 && !hls) {
    startPlayer();
  } else if (s.status === 0 && !hls) {
    notice('Waiting for the stream to start…');
  }
}

async function poll() {
  try {
    const r = await fetch(`/watch/${cfg.room}/state`, { cache: 'no-store' });
    if (r.ok) showState(await r.json());
  } catch {}
  if (cfg.status !== 3) setTimeout(poll, 4000);
}

// ---- chat ------------------------------------------------------------------------------------------------

const NAME_KEY = 'onair.watch.name';
const messages = $('messages');
let name = localStorage.getItem(NAME_KEY) ?? '';
let errorTimer = 0;

function chatError(text) {
  const el = $('chat-error');
  el.textContent = text;
  el.hidden = !text;
  clearTimeout(errorTimer);
  if (text) errorTimer = setTimeout(() => chatError(''), 6000);
}

/** a seed-002 `comment` ({ user: { name }, content }) or a stored message ({ id, name, text, kind }) */
function addMessage(m) {
  const id = m.id ?? m.message_id;
  if (id !== undefined && messages.querySelector(`li[data-id="${CSS.escape(String(id))}"]`)) return;
  const li = document.createElement('li');
  if (id !== undefined) li.dataset.id = String(id);
  li.className = m.kind ?? 'comment';
  const who = document.createElement('span');
  who.className = 'name';
  who.textContent = String(m.user?.name ?? m.name ?? m.username ?? '');
  const text = document.createElement('span');
  text.className = 'text';
  text.textContent = String(m.content ?? m.text ?? m.data ?? '');
  li.append(who, text);
  const atEnd = messages.scrollTop + messages.clientHeight >= messages.scrollHeight - 8;
  messages.append(li);
  while (messages.children.length > 300) messages.firstElementChild.remove();
  if (atEnd) messages.scrollTop = messages.scrollHeight;
}

function removeMessage(id) {
  if (id === undefined || id === null) return;
  messages.querySelector(`li[data-id="${CSS.escape(String(id))}"]`)?.remove();
}

const socket = io({ transports: ['websocket', 'polling'] });

function join() {
  if (name && socket.connected) socket.emit('joinLive', { live_id: cfg.room, name });
}

socket.on('connect', join);
socket.on('comment', addMessage);
socket.on('gift', (g) => addMessage({ ...g, kind: 'gift', content: `sent ${g.gift_name ?? g.name ?? 'a gift'}` }));
socket.on('history', (list) => Array.isArray(list) && list.forEach(addMessage));
socket.on('online', (o) => {
  const n = typeof o?.count === 'number' ? o.count : Array.isArray(o?.clients) ? o.clients.length : Array.isArray(o?.data) ? o.data.length : 0;
  $('online').textContent = String(n);
});
socket.on('commentDeleted', (d) => removeMessage(d?.id ?? d?.message_id));
socket.on('moderated', (d) => d?.action === 'delete' && removeMessage(d.message_id ?? d.id));
socket.on('slowMode', (s) => s?.live_id === cfg.room && chatError(s.seconds > 0 ? `Slow mode: one message every ${s.seconds} s` : 'Slow mode is off'));
// errors come as socket.emit(socket.id, parseMsg('error', msg)) (seed 002)
socket.onAny((event, payload) => {
  if (event !== socket.id) return;
  const d = payload?.data;
  if (d?.action === 'error') chatError(typeof d.payload === 'string' ? d.payload : JSON.stringify(d.payload));
});
socket.on('connect_error', () => chatError('Chat is unreachable; retrying…'));

function showJoined() {
  $('name-form').hidden = true;
  $('send-form').hidden = false;
  $('me').hidden = false;
  $('me').textContent = `Chatting as ${name}`;
}

if (name) {
  $('name').value = name;
  showJoined();
}

$('name-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const v = $('name').value.trim().slice(0, 32);
  if (!v) return;
  name = v;
  localStorage.setItem(NAME_KEY, name);
  showJoined();
  join();
  $('text').focus();
});

$('send-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('text');
  const data = input.value.trim();
  if (!data) return;
  if (!socket.connected) return chatError('Not connected to the chat yet.');
  socket.emit('comment', { live_id: cfg.room, name, data });
  input.value = '';
});

// ---- start -----------------------------------------------------------------------------------------------

if (cfg.status === 1 || cfg.status === 2) startPlayer();
if (cfg.status !== 3) setTimeout(poll, 4000);
