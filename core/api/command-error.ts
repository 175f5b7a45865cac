import type { ContractErrorCode, ContractIssue } from '../contract';

/** A command's own refusal; the dispatcher turns it into `{ ok: false, error }`. */
export class CommandError extends Error {
  constructor(readonly code: ContractErrorCode, message: string, readonly issues?: ContractIssue[]) {
    super(message);
  }
}
