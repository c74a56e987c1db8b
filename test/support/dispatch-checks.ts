// What a run of many pushes must show, computed from the sync log (one row per push attempt, opened when the
// attempt starts and closed when it ends) and the simulators' request logs: no two attempts for one user and
// platform at once, no platform request outside an attempt, and activity starts within the dispatch limit.

export interface AttemptRow {
  id: string;
  userId: string;
  platformId: string;
  attempt: number;
  status: string;
  errorType: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

const keyOf = (row: { userId: string; platformId: string }) => `${row.userId}/${row.platformId}`;

function byUserAndPlatform(rows: AttemptRow[]): Map<string, AttemptRow[]> {
  const groups = new Map<string, AttemptRow[]>();
  for (const row of rows) groups.set(keyOf(row), [...(groups.get(keyOf(row)) ?? []), row]);
  for (const list of groups.values()) list.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  return groups;
}

/**
 * Pairs of attempts for one user and platform whose [startedAt, finishedAt] intervals overlap. An attempt that
 * never finished (its worker was killed) is closed by its retry, at the retry's start (activities/sync-log.ts):
 * until then it counts as running, so a retry that started while it might still run would show up here too.
 */
export function overlappingAttempts(rows: AttemptRow[]): [AttemptRow, AttemptRow][] {
  const overlaps: [AttemptRow, AttemptRow][] = [];
  for (const list of byUserAndPlatform(rows).values()) {
    for (let i = 1; i < list.length; i += 1) {
      const previous = list[i - 1]!;
      const end = previous.finishedAt?.getTime() ?? Infinity;
      if (list[i]!.startedAt.getTime() < end) overlaps.push([previous, list[i]!]);
    }
  }
  return overlaps;
}

export interface PlatformRequest {
  at: number;
  method: string;
  path: string;
  /** Whose account the request was for (the simulator's API key or account id, mapped to our user). */
  userId: string;
  platformId: string;
}

/** Platform requests that fall inside no attempt of their user and platform: work done outside the lease. */
export function requestsOutsideAttempts(requests: PlatformRequest[], rows: AttemptRow[]): PlatformRequest[] {
  const groups = byUserAndPlatform(rows);
  return requests.filter((request) => {
    const attempts = groups.get(keyOf(request)) ?? [];
    return !attempts.some((a) => a.startedAt.getTime() <= request.at && request.at <= (a.finishedAt?.getTime() ?? Infinity));
  });
}

/** The most events in any window of `windowMs` (sliding: every event starts a window). */
export function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; first < sorted.length; first += 1) {
    while (last < sorted.length && sorted[last]! < sorted[first]! + windowMs) last += 1;
    most = Math.max(most, last - first);
  }
  return most;
}

/** The most events that fell in one calendar second. */
export function maxPerSecond(times: number[]): number {
  const counts = new Map<number, number>();
  for (const t of times) counts.set(Math.floor(t / 1000), (counts.get(Math.floor(t / 1000)) ?? 0) + 1);
  return Math.max(0, ...counts.values());
}

export interface DispatchLimit {
  /** maxTaskQueueActivitiesPerSecond: the task queue's rate, whatever the number of workers polling it. */
  perSecond: number;
  /** The server splits the rate over the task queue's read partitions, each a token bucket of its own. */
  partitions: number;
  /** How much later than its dispatch an attempt's start may be recorded, at most (poll answer, lease, insert). */
  recordingJitterMs: number;
}

/**
 * The most activity starts the limit lets through in any window of `windowMs`. Temporal's matching service gives
 * each of the N partitions a token bucket of rate r/N and burst max(1, ceil(r/N)) (its UpdateRatelimit), so over a
 * window of L seconds at most N*ceil(r/N) + r*L tasks are dispatched; measuring starts a little after dispatch
 * widens the window by the recording jitter.
 */
export function dispatchAllowance(limit: DispatchLimit, windowMs: number): number {
  const perPartition = limit.perSecond / limit.partitions;
  const burst = limit.partitions * Math.max(1, Math.ceil(perPartition));
  return Math.floor(burst + (limit.perSecond * (windowMs + limit.recordingJitterMs)) / 1000);
}
