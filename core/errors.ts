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
  constructor(code: OnAirErrorCode, message: string, cause?: unknown) {
    super(message);
    this.name = 'OnAirError';
    this.code = code;
    this.cause = cause;
  }
}

export function formatError(message: string): OnAirError {
  return new OnAirError('FORMAT', message);
}

export function isOnAirError(e: unknown): e is OnAirError {
  return e instanceof OnAirError;
}

/** The one table from an error code to an HTTP status. */
const HTTP_STATUS: Readonly<Record<OnAirErrorCode, number>> = {
  FORMAT: 400,
  PROTOCOL: 400,
  LIMIT: 413,
  AUTH: 401,
  REJECTED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CONFIG: 500,
  VALIDATION: 400,
  IO: 507,
  BUSY: 503,
  INTERNAL: 500,
};

export function httpStatusOf(code: OnAirErrorCode): number {
  return HTTP_STATUS[code];
}
