// @ts-check
// The platforms and their state, shared by the views that show them: fed by one request (GET /api/sync/status)
// and polled only while someone subscribes and the page is visible, often while a sync runs or just after a
// change, seldom otherwise. A hidden tab asks nothing; it asks at once when it is shown again.
import { get } from './api.js';

/** @typedef {import('./types.js').Platform} Platform */
/** @typedef {import('./types.js').PlatformsStatus} PlatformsStatus */
/** @typedef {{ key: string, label: string, message?: string }} PlatformState */

/** While a sync runs, or just after a change. */
export const BUSY_POLL_MS = 2000;
/** Otherwise: a page left open still learns of a push made by a schedule or a platform's webhook. */
export const IDLE_POLL_MS = 20000;
/** After a change the store polls often this long even before the workflow reports it is running. */
const SETTLE_MS = 15000;
/**
 * How old a value the views that only read the platforms (calendar, media, history) take without asking again: the
 * platforms page refreshes the store after every change it makes, so switching views costs no request.
 */
export const READ_MAX_AGE_MS = 30000;

/**
 * @template T
 * @param {() => Promise<T>} load
 * @param {(value: T) => boolean} isBusy
 */
export function pollingStore(load, isBusy) {
  /** @type {T | null} */
  let value = null;
  /** When `value` was loaded (ms since the epoch). */
  let loadedAt = 0;
  /** @type {Set<{ next: (value: T) => void, error: (error: unknown) => void }>} */
  const subscribers = new Set();
  /** @type {Promise<T> | null} */
  let inFlight = null;
  /** The request running was sent before a change: its answer may not show the change. */
  let inFlightStale = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let settleUntil = 0;

  const watched = () => subscribers.size > 0 && document.visibilityState === 'visible';

  function schedule() {
    clearTimeout(timer);
    if (!watched()) return;
    const fast = Date.now() < settleUntil || (value !== null && isBusy(value));
    timer = setTimeout(() => {
      refresh().catch((error) => subscribers.forEach((s) => s.error(error)));
    }, fast ? BUSY_POLL_MS : IDLE_POLL_MS);
  }

  /**
   * Loads now and tells every subscriber. One request at a time: a call while one runs shares it, unless a change
   * was made since it was sent; then a new one follows it.
   * @returns {Promise<T>}
   */
  function refresh() {
    clearTimeout(timer);
    if (inFlight && inFlightStale) return inFlight.catch(() => undefined).then(() => refresh());
    inFlightStale = false;
    inFlight ??= load()
      .then((next) => {
        value = next;
        loadedAt = Date.now();
        subscribers.forEach((s) => s.next(next));
        return next;
      })
      .finally(() => {
        inFlight = null;
        schedule();
      });
    return inFlight;
  }

  document.addEventListener('visibilitychange', () => {
    if (!watched()) return clearTimeout(timer);
    refresh().catch((error) => subscribers.forEach((s) => s.error(error)));
  });

  return {
    refresh,
    current: () => value,
    /**
     * The value if it is younger than `maxAgeMs`, else a new load: for a view that shows it without subscribing
     * (nothing is polled for that view).
     * @param {number} maxAgeMs
     * @returns {Promise<T>}
     */
    recent(maxAgeMs) {
      return value !== null && Date.now() - loadedAt < maxAgeMs ? Promise.resolve(value) : refresh();
    },
    /** Something changed: watch closely for the sync it causes. */
    changed() {
      settleUntil = Date.now() + SETTLE_MS;
      if (inFlight) inFlightStale = true;
      else schedule();
    },
    /**
     * @param {(value: T) => void} next
     * @param {(error: unknown) => void} error
     * @returns {() => void} unsubscribe
     */
    subscribe(next, error) {
      const subscriber = { next, error };
      subscribers.add(subscriber);
      if (!inFlight) schedule();
      return () => {
        subscribers.delete(subscriber);
        if (subscribers.size === 0) clearTimeout(timer);
      };
    },
  };
}

/** The page's platforms, their connections and their sync state. */
export const platformStore = pollingStore(
  /** @returns {Promise<PlatformsStatus>} */
  () => get('/api/sync/status'),
  (status) => status.platforms.some((platform) => platformState(platform).key === 'syncing'),
);

/**
 * One label for what the user most needs to know about a platform right now.
 * @param {Platform} platform
 * @returns {PlatformState}
 */
export function platformState(platform) {
  const c = platform.connection;
  const status = platform.status;
  // Its reason is on the card; a connection's pushes wait until the server can work the platform again.
  if (!platform.available) return { key: 'unavailable', label: 'unavailable' };
  if (!c?.connected) return { key: 'disconnected', label: 'not connected' };
  if (c.status === 'needs_reauth') return { key: 'needs-reauth', label: 'needs re-authorization', message: c.statusMessage ?? undefined };
  const sync = status?.sync;
  const lastError = sync?.lastErrorType ?? status?.lastAttempt?.errorType ?? '';
  const running = Boolean(sync && (sync.state === 'syncing' || sync.state === 'pending' || sync.queued));
  const quota = status?.quota;
  if (quota?.waitingUntil && (lastError === 'QuotaWaitError' || running)) {
    // castsync pacing itself within the account's published quota (lib/request-quotas.ts): no trouble, a wait.
    const { requests, perSeconds } = quota;
    return { key: 'syncing', label: 'waiting for quota', message: `the account's quota (${requests} requests per ${perSeconds} s) is spent; castsync sends again at ${new Date(quota.waitingUntil).toLocaleTimeString()}` };
  }
  if (sync && running) {
    return pushState(status?.push ?? null, { rateLimited: /RateLimit/i.test(lastError), lastError: status?.lastAttempt?.errorMessage ?? sync.lastError });
  }
  if (c.status === 'failing' || sync?.state === 'failed') {
    // A platform down past its retry window is pushed again by itself: say when.
    const again = sync?.redrive ? `trying again at ${new Date(sync.redrive.nextAttemptAt).toLocaleTimeString()}` : null;
    const message = [c.statusMessage ?? sync?.lastError, again].filter(Boolean).join('; ');
    return { key: 'failing', label: 'failing', message: message || undefined };
  }
  if (!platform.capabilities.pushAvailability) return { key: 'connected', label: 'connected' };
  return { key: 'in-sync', label: sync || c.lastSyncedAt ? 'in sync' : 'connected' };
}

/**
 * How long a push may wait for a worker before the card says so (by the server's clock, `forMs`: the browser's may
 * be off): taking one normally takes milliseconds.
 */
export const WORKER_WAIT_SHOWN_MS = 5000;

/**
 * A push under way, as Temporal holds it (GET /api/sync/status's `push`): running, waiting for a worker, or waiting
 * to retry after a failed attempt (the platform's rate limit among the reasons).
 * @param {import('./types.js').PushActivity | null} push
 * @param {{ rateLimited: boolean, lastError: string | null }} last  the newest attempt's failure (its row is newer than the workflow's view)
 * @returns {PlatformState}
 */
function pushState(push, { rateLimited, lastError }) {
  const at = (/** @type {string} */ iso) => new Date(iso).toLocaleTimeString();
  const label = rateLimited ? 'rate-limited' : 'syncing';
  if (push?.state === 'retry_wait' && push.nextAttemptAt) {
    const message = [lastError, `attempt ${push.attempt} at ${at(push.nextAttemptAt)}`].filter(Boolean).join('; ');
    return { key: 'syncing', label: rateLimited ? label : 'retrying', message };
  }
  if (push?.state === 'waiting' && push.forMs >= WORKER_WAIT_SHOWN_MS) {
    return {
      key: 'syncing',
      label: 'waiting for a worker',
      message: `no castsync worker has taken this push since ${at(push.since)}: the workers for this platform are busy or stopped, or held to its pace`,
    };
  }
  if (rateLimited) return { key: 'syncing', label, message: lastError ?? undefined };
  return push?.state === 'running' && push.attempt > 1 ? { key: 'syncing', label, message: `attempt ${push.attempt}` } : { key: 'syncing', label };
}
