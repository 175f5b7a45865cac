import { z } from 'zod';
import { readJson, sendError, sendJson } from '../http/util';
import { serveMediaFile, type MissingFile } from '../http/media-static';
import type { Router } from '../http/router';
import { recordingCommands } from '../contract/recordings';
import type { RecordingManager } from './recordings';

/**
 * REST routes for recordings (the same operations as the recordings.* contract commands). `missing`: who answers
 * for a finished recording's file that is no longer on disk (object storage).
 */
export function addRecordingRoutes(router: Router, rec: RecordingManager, missing?: MissingFile): void {
  router.add('GET', '/api/recordings', (_req, res) => sendJson(res, 200, { recordings: rec.list(), disk: rec.disk() }));
  router.add('GET', '/api/recordings/:id', (_req, res, p) => sendJson(res, 200, rec.get(p.id)));
  router.add('POST', '/api/recordings', async (req, res) => {
    const parsed = recordingCommands['recordings.start'].args.safeParse(await readJson(req));
    if (!parsed.success) return sendError(res, 400, 'VALIDATION', z.prettifyError(parsed.error));
    sendJson(res, 201, rec.start(parsed.data.stream));
  });
  // answers the final state: waits (bounded) for the recorder to finish the file
  router.add('POST', '/api/recordings/:id/stop', async (_req, res, p) => sendJson(res, 200, await rec.stop(p.id)));
  router.add('DELETE', '/api/recordings/:id', (_req, res, p) => {
    rec.delete(p.id);
    sendJson(res, 200, { ok: true });
  });
  router.add('GET', '/api/recordings/:id/file', (req, res, p) => {
    const r = rec.get(p.id);
    // a file still being written (or indexed at its close) changes under the same URL
    serveMediaFile(r.file, req, res, r.status === 'recording' ? { cache: 'no-cache' } : { missing });
  });
  router.add('GET', '/api/recordings/:id/thumbnail', (req, res, p) => {
    const r = rec.get(p.id);
    if (!r.thumbnail) return sendError(res, 404, 'NO_THUMBNAIL', 'no thumbnail for this recording yet');
    serveMediaFile(r.thumbnail, req, res);
  });
}
