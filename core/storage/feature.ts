import type { Feature } from '../feature';
import type { StorageService } from './service';

/** The `storage` feature (issue 15): storage.status, the storage.changed event, the upload queue and retention. */
export function storageFeature(svc: StorageService): Feature {
  return {
    name: 'storage',
    handlers: { 'storage.status': (args) => svc.status(args ?? {}) },
    events: ['storage.changed'],
    start: () => svc.start(),
    stop: () => svc.stop(),
  };
}
