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
