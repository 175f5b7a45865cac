import type { OnAirClient } from '../client/client';
import { useConnection } from './connection';
import { wireChat } from './chat';
import { wireDestinations } from './destinations';
import { useJobs } from './jobs';
import { wireKeys } from './keys';
import { wireLadder } from './ladder';
import { wireHealth } from './health';
import { useLogs } from './logs';
import { useRecordings } from './recordings';
import { wireRelays } from './relays';
import { wireRooms } from './rooms';
import { useServer } from './server';
import { useStreams } from './streams';

async function refresh(c: OnAirClient): Promise<void> {
  const [status, list, logs, token] = await Promise.allSettled([c.call('server.status'), c.call('streams.list'), c.call('logs.tail', { limit: 500 }), c.call('server.panelToken')]);
  if (token.status === 'fulfilled') useServer.setState({ panelToken: token.value.token });
  if (status.status === 'fulfilled') useServer.getState().setStatus(status.value);
  if (list.status === 'fulfilled') useStreams.getState().setList(list.value);
  if (logs.status === 'fulfilled') useLogs.getState().setAll(logs.value);
}

/** Feed the stores from the client: events as they come, and a full reload on every (re)connect. */
export function wireStores(c: OnAirClient): () => void {
  const offs = [
    c.onStatus((status) => {
      useConnection.setState({ status });
      if (status === 'open') {
        void refresh(c);
        void useRecordings.getState().load(c);
        void useJobs.getState().load(c);
      }
    }),
    c.on('stream.stats', (d) => useStreams.getState().onTick(d.at, d.streams)),
    c.on('stream.published', (s) => useStreams.getState().onPublished(s)),
    c.on('stream.unpublished', (s) => useStreams.getState().onUnpublished(s.path)),
    c.on('server.stats', (d) => useServer.getState().onTick(d)),
    c.on('log', (r) => useLogs.getState().add(r)),
    c.on('recording.started', (r) => useRecordings.getState().upsert(r)),
    c.on('recording.stopped', (r) => useRecordings.getState().upsert(r)),
    c.on('recording.failed', (r) => useRecordings.getState().upsert(r)),
    c.on('job.queued', (j) => useJobs.getState().upsert(j)),
    c.on('job.started', (j) => useJobs.getState().upsert(j)),
    c.on('job.progress', (d) => useJobs.getState().progress(d.id, d.progress)),
    c.on('job.done', (j) => useJobs.getState().upsert(j)),
    c.on('job.failed', (d) => useJobs.getState().upsert(d.job, d.will_retry ? d.retry_at : null)),
    c.on('job.cancelled', (j) => useJobs.getState().upsert(j)),
    wireDestinations(c),
    wireRelays(c),
    wireLadder(c),
    wireHealth(c),
    wireKeys(c),
    wireRooms(c),
    wireChat(c),
  ];
  return () => offs.forEach((off) => off());
}

/** Ask for server.status (ffmpeg, ports) and the panel token again after settings change. */
export async function reloadStatus(c: OnAirClient): Promise<void> {
  try {
    useServer.getState().setStatus(await c.call('server.status'));
    useServer.setState({ panelToken: (await c.call('server.panelToken')).token });
  } catch {}
}
