import type { OnAirClient } from '../client/client';
import { useConnection } from './connection';
import { useLogs } from './logs';
import { useServer } from './server';
import { useStreams } from './streams';

async function refresh(c: OnAirClient): Promise<void> {
  const [status, list, logs] = await Promise.allSettled([c.call('server.status'), c.call('streams.list'), c.call('logs.tail', { limit: 500 })]);
  if (status.status === 'fulfilled') useServer.getState().setStatus(status.value);
  if (list.status === 'fulfilled') useStreams.getState().setList(list.value);
  if (logs.status === 'fulfilled') useLogs.getState().setAll(logs.value);
}

/** Feed the stores from the client: events as they come, and a full reload on every (re)connect. */
export function wireStores(c: OnAirClient): () => void {
  const offs = [
    c.onStatus((status) => {
      useConnection.setState({ status });
      if (status === 'open') void refresh(c);
    }),
    c.on('stream.stats', (d) => useStreams.getState().onTick(d.at, d.streams)),
    c.on('stream.published', (s) => useStreams.getState().onPublished(s)),
    c.on('stream.unpublished', (s) => useStreams.getState().onUnpublished(s.path)),
    c.on('server.stats', (d) => useServer.getState().onTick(d)),
    c.on('log', (r) => useLogs.getState().add(r)),
  ];
  return () => offs.forEach((off) => off());
}

/** Ask for server.status again (ffmpeg, ports) after settings change. */
export async function reloadStatus(c: OnAirClient): Promise<void> {
  try {
    useServer.getState().setStatus(await c.call('server.status'));
  } catch {}
}
