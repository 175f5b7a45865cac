/** Errors are values with codes; callers branch on `code`, never on the message. */
export type OnAirErrorCode =
  | 'FORMAT' // malformed bytes from a peer
  | 'PROTOCOL' // a well-formed message that breaks the protocol's rules
  | 'LIMIT' // a peer asked for more than we allow (message size, queue)
  | 'AUTH' // signature / token missing or wrong
  | 'REJECTED' // a hook or handler rejected the session
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'CONFIG'
  | 'VALIDATION'
  | 'IO'
  | 'BUSY' // a shared budget (ffmpeg processes, connections) is full right now; try again shortly
  | 'INTERNAL';

export class OnAirError extends Error {
  readonly code: OnAirErrorCode;
  override readonly cause?: unknown;
  /** the request field it is about (a form shows the message next to it): contract `issues`, REST `error.field` */
  field?: string;
  constructor(code: OnAirErrorCode, message: string, cause?: unknown) {
    super(message);
    this.name = 'OnAirError';
    this.code = code;
    this.cause = cause;
  }
}

/** A VALIDATION error about one request field. */
export function fieldError(field: string, message: string): OnAirError {
  const e = new OnAirError('VALIDATION', message);
  e.field = field;
  return e;
}

export function formatError(message: string): OnAirError {
  return new OnAirError('FORMAT', message);
}

export function isOnAirError(e: unknown): e is OnAirError {
  return e instanceof OnAirError;
}

/**
 * The one error vocabulary: each code's HTTP status, contract error code and RTMP onStatus level. Every
 * transport translates through this table (core/auth/decisions.ts does the same for the authority's refusals).
 */
export interface ErrorMapping {
  http: number;
  /** the contract's error code (core/contract/common.ts ContractErrorCodes) */
  contract: 'VALIDATION' | 'NOT_FOUND' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'BUSY' | 'INTERNAL';
  /** the suffix of an RTMP NetStream onStatus code for a refused publish/play */
  rtmp: 'Failed' | 'Unauthorized' | 'Rejected' | 'BadName' | 'StreamNotFound';
}

export const ERROR_TABLE: Readonly<Record<OnAirErrorCode, ErrorMapping>> = {
  FORMAT: { http: 400, contract: 'VALIDATION', rtmp: 'Failed' },
  PROTOCOL: { http: 400, contract: 'VALIDATION', rtmp: 'Failed' },
  LIMIT: { http: 413, contract: 'VALIDATION', rtmp: 'Failed' },
  AUTH: { http: 401, contract: 'UNAUTHORIZED', rtmp: 'Unauthorized' },
  REJECTED: { http: 403, contract: 'FORBIDDEN', rtmp: 'Rejected' },
  NOT_FOUND: { http: 404, contract: 'NOT_FOUND', rtmp: 'StreamNotFound' },
  // a request that clashes with the current state (already recording, job not cancellable): the caller's to fix
  CONFLICT: { http: 409, contract: 'VALIDATION', rtmp: 'BadName' },
  CONFIG: { http: 500, contract: 'INTERNAL', rtmp: 'Failed' },
  VALIDATION: { http: 400, contract: 'VALIDATION', rtmp: 'BadName' },
  // disk low or a folder not writable: the message is for the user
  IO: { http: 507, contract: 'INTERNAL', rtmp: 'Failed' },
  BUSY: { http: 503, contract: 'BUSY', rtmp: 'Failed' },
  INTERNAL: { http: 500, contract: 'INTERNAL', rtmp: 'Failed' },
};

export function httpStatusOf(code: OnAirErrorCode): number {
  return ERROR_TABLE[code].http;
}
