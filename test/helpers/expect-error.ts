/** Asserts that a call throws an OnAirError with a given code (the core/format tests' error contract). */
import { expect } from 'vitest';
import { OnAirError } from '../../core/errors';

/** Runs `fn`, expects an OnAirError with `code`, and returns it for further checks. */
export function expectCode(fn: () => unknown, code: string): OnAirError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(OnAirError);
  expect((caught as OnAirError).code).toBe(code);
  return caught as OnAirError;
}

/** `expectCode(fn, 'FORMAT')`: the error every core/format parser throws on bad bytes. */
export function expectFormat(fn: () => unknown): OnAirError {
  return expectCode(fn, 'FORMAT');
}
