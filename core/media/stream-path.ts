import { isStreamName } from '../contract/common';
import { OnAirError } from '../errors';

export interface StreamPathParts {
  app: string;
  name: string;
  /** "/app/name" */
  path: string;
}

/** App and stream names: the one pattern (core/contract/common.ts). */
export function isValidName(s: string): boolean {
  return isStreamName(s);
}

/** Validate app + stream names coming from a peer; throws VALIDATION for anything that could escape a folder. */
export function streamPath(app: string, name: string): StreamPathParts {
  if (!isValidName(app)) throw new OnAirError('VALIDATION', `invalid app name ${JSON.stringify(app.slice(0, 64))}`);
  if (!isValidName(name)) throw new OnAirError('VALIDATION', `invalid stream name ${JSON.stringify(name.slice(0, 64))}`);
  return { app, name, path: `/${app}/${name}` };
}

/** Split "name?a=1&b=2" into the name and its query parameters. */
export function splitQuery(s: string): { base: string; query: Record<string, string> } {
  const i = s.indexOf('?');
  if (i < 0) return { base: s, query: {} };
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(s.slice(i + 1))) query[k] = v;
  return { base: s.slice(0, i), query };
}
