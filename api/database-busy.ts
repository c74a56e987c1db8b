// A request whose transaction could not start because every connection of the database pool stayed busy past its
// maxWait (a burst): nothing was written, and the same request a moment later will most likely go through. The
// gateway answers it 503 with Retry-After (api/app.ts), not a 500, which told the client nothing it could act on.

/** Prisma's P2028 "Unable to start a transaction in the given time". */
export function isDatabaseBusy(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'P2028' && typeof message === 'string' && message.includes('Unable to start a transaction in the given time');
}
