/** English strings of object storage (issue 15): the recording badge and the bucket line on the Recordings page. */
export const enStorage = {
  'storage.inBucket': 'In bucket',
  'storage.uploading': 'Uploading {pct}%',
  'storage.queued': 'Upload queued',
  'storage.verifying': 'Verifying upload',
  'storage.retrying': 'Upload retrying ({attempts})',
  'storage.failed': 'Upload failed',
  'storage.bucket': 'Bucket {bucket} at {endpoint}',
  'storage.online': 'reachable',
  'storage.offline': 'not reachable — local files are kept and uploads retried',
  'storage.counts': '{done} stored, {pending} pending',
} as const;
