import type { Job, TranscodeOptions } from '../../../core/contract';

export interface Upload {
  done: Promise<Job>;
  abort(): void;
}

/** An upload the studio refused, with its error code (LIMIT, INPUT_NOT_VIDEO, …). */
export class UploadError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/**
 * POST a file to /api/jobs/upload (multipart `file` + JSON `options`) with upload progress; resolves
 * with the queued Job. XHR rather than fetch: fetch cannot report upload progress.
 */
export function uploadJob(url: string, file: File, options: TranscodeOptions, onProgress: (fraction: number) => void): Upload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<Job>((resolve, reject) => {
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {}
      if (xhr.status >= 200 && xhr.status < 300 && body) return resolve(body as Job);
      const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
      reject(new UploadError(err?.code ?? `HTTP_${xhr.status}`, err?.message ?? `upload failed (HTTP ${xhr.status})`));
    };
    xhr.onerror = () => reject(new UploadError('NETWORK', 'the upload was interrupted'));
    xhr.onabort = () => reject(new UploadError('ABORTED', 'upload cancelled'));
    const fd = new FormData();
    fd.append('options', JSON.stringify(options));
    fd.append('file', file, file.name);
    xhr.open('POST', url);
    xhr.send(fd);
  });
  return { done, abort: () => xhr.abort() };
}
