// The gateway's request id, reachable from code the request calls (lib/sync-requests.ts puts it into the signal,
// so one change can be followed from its HTTP request into the workflow and each platform's push).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

const requestContext = new AsyncLocalStorage<{ requestId: string }>();

export const runWithRequestId = <T>(requestId: string, fn: () => T): T => requestContext.run({ requestId }, fn);

export const currentRequestId = (): string | undefined => requestContext.getStore()?.requestId;

/** A caller's (load balancer's) X-Request-Id when it looks like an id, else a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && /^[\w.:-]{1,100}$/.test(header) ? header : randomUUID();
}
