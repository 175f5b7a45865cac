import type { Logger } from 'pino';
import type { OnAirConfig } from '../config';
import { TranscodeOptionsSchema } from '../contract/jobs';
import { isOnAirError } from '../errors';
import type { JobEngine } from '../jobs/engine';
import { baseUrlFromHost } from '../jobs/job-urls';
import { InputError } from '../jobs/probe';
import { sendError, sendJson } from '../http/util';
import type { Router } from '../http/router';
import { discardForm, receiveMultipart, type ReceivedForm } from '../http/upload';

/**
 * POST /api/jobs/upload — the browser panel's way in (behind the API gate like all of /api): multipart
 * with a `file` part and an optional `options` field (JSON, TranscodeOptions). Answers the queued Job.
 */
export function mountJobRoutes(router: Router, deps: { engine: JobEngine; config: () => OnAirConfig; log: Logger }): void {
  router.add('POST', '/api/jobs/upload', async (req, res) => {
    let form: ReceivedForm;
    try {
      form = await receiveMultipart(req, deps.engine.incomingDir(), { maxFileBytes: deps.config().jobs.max_upload_bytes, maxFiles: 1 });
    } catch (e) {
      const limit = isOnAirError(e) && e.code === 'LIMIT';
      return sendError(res, limit ? 413 : 400, limit ? 'LIMIT' : 'VALIDATION', (e as Error).message, { connection: 'close' });
    }
    const file = form.files.find((f) => f.field === 'file');
    if (!file) {
      discardForm(form);
      return sendError(res, 400, 'VALIDATION', 'multipart field "file" is required');
    }
    let options: unknown = {};
    const raw = form.fields.get('options')?.[0];
    try {
      if (raw) options = JSON.parse(raw);
    } catch {
      discardForm(form);
      return sendError(res, 400, 'VALIDATION', 'options must be JSON');
    }
    const parsed = TranscodeOptionsSchema.safeParse(options);
    if (!parsed.success) {
      discardForm(form);
      return sendError(res, 400, 'VALIDATION', `options: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    try {
      const job = await deps.engine.transcode({
        source: { type: 'upload', file: file.path, filename: file.filename || 'upload' },
        options: parsed.data,
        baseUrl: baseUrlFromHost(req.headers.host, 'encrypted' in req.socket),
      });
      sendJson(res, 200, job);
    } catch (e) {
      if (e instanceof InputError) return sendError(res, e.reason === 'too_large' ? 413 : 422, `INPUT_${e.reason.toUpperCase()}`, e.message);
      deps.log.error({ err: e }, 'upload job failed');
      sendError(res, 500, isOnAirError(e) ? e.code : 'INTERNAL', (e as Error).message);
    }
  });
}
