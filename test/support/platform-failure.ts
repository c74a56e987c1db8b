// The PlatformError a call failed with; the test fails when it succeeded or failed with anything else.
import { expect } from 'vitest';
import { PlatformError } from '../../adapters/errors.js';

export async function platformFailure(call: Promise<unknown>): Promise<PlatformError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}
