// The loop every per-user sync workflow runs (availability, media, profile): each change arrives as a signal
// (signalWithStart from the gateway), and the workflow at once fans out one push activity per platform, on that
// platform's task queue with its kind's retry policy. Per platform at most one push runs at a time; changes
// arriving meanwhile mark it dirty and cause one more push — after a short pause when several arrived (a burst),
// so N rapid changes cost about two pushes — and a slow platform never holds back the others. A platform whose
// push outlived its retry window is re-driven (./redrive.ts) until it answers again.
import { condition, patched, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SyncTarget, SyncTargetQuery } from '../activities/sync-targets.js';
import { DEFAULT_REDRIVE, failureOf, nextRedrive, retryWindowExhausted } from './redrive.js';
import { platformsAttribute } from './search-attributes.js';
import { syncSignals, syncTargetsChangedSignal, type SyncedData } from './plumbing.js';
import type { PlatformSyncView, SyncRequest } from './sync-signals.js';

export interface SyncLoopInput {
  userId: string;
  /**
   * When several changes arrived during a push (a burst), wait this long before the follow-up push, so a burst
   * of edits becomes two pushes: the first change at once, the final state after the burst.
   */
  coalesceMs: number;
  /** The workflow completes after this long without changes; the next change starts it again. */
  idleTimeoutMs?: number;
  /** Sync rounds before the workflow continues as new, keeping its history short. */
  roundsBeforeContinueAsNew?: number;
  /**
   * A platform whose push failed for a retryable reason after its retry window is pushed again after this long,
   * doubling up to maxMs while it stays down (from configuration: CASTSYNC_REDRIVE_INITIAL_MS / _MAX_MS).
   */
  redrive?: { initialMs: number; maxMs: number };
  /** The behaviour this run was started with (SYNC_LOOP_FEATURES); runs started without it ask patched() instead. */
  features?: SyncLoopFeatures;
  carried?: {
    views: PlatformSyncView[];
    requests: SyncRequest[];
    outboxIds?: string[];
    /** Platforms waiting for a re-drive when the run continued as new (their view holds when). */
    redrives?: SyncTarget[];
  };
}

/** What one push tells the workflow: how much it changed, and what the platform refused or could not take. */
export interface PushOutcome {
  itemsProcessed: number;
  rejected: { reason: string }[];
}

export interface PushInput {
  userId: string;
  platformId: string;
  /** Compare with what the platform really holds even when it is known to be in step (manual sync, retry). */
  force: boolean;
  requestIds: string[];
}

export interface PushOptions {
  /** One attempt, no retries: a re-drive probing whether the platform answers again. */
  singleAttempt?: boolean;
}

export interface SyncLoopSteps {
  data: SyncedData;
  listTargets(query: SyncTargetQuery): Promise<SyncTarget[]>;
  push(target: SyncTarget, input: PushInput, options?: PushOptions): Promise<PushOutcome>;
  continueAsNew(input: SyncLoopInput): Promise<never>;
}

/**
 * Changes of the loop's logic, decided by the run's input rather than by patched(). A patched() call that follows a
 * local activity's result is replayed wrongly by the SDK when that local activity outlived a workflow task (the
 * marker then sits in a later task than the call on replay: "[TMPRL1100] Non-deprecated patch marker encountered"),
 * and the workflow is stuck after a worker restart. A local activity outlives a task whenever the database is slow
 * or down, so runs started now carry their features in their input; only runs started before still call patched().
 */
export interface SyncLoopFeatures {
  burstCountsChanges?: boolean;
  redriveAfterRetryWindow?: boolean;
  mediaPushTimeoutsFromWork?: boolean;
  /**
   * The platforms of a round are held in the run's state and listed again (the listTargets local activity) only
   * at the first round, after a manual request, after a syncTargetsChanged signal, after a push refused for its
   * credentials, and when TARGETS_HELD_MS have passed: a change costs no database read in its workflow task.
   */
  targetsHeld?: boolean;
  /** One idle timer per idle period, restarted when it fires early, instead of a timer started and cancelled every round. */
  idleTimerPerPeriod?: boolean;
}

/** What a run started (or continued as new) now gets: every change so far. */
export const SYNC_LOOP_FEATURES: Required<SyncLoopFeatures> = {
  burstCountsChanges: true,
  redriveAfterRetryWindow: true,
  mediaPushTimeoutsFromWork: true,
  targetsHeld: true,
  idleTimerPerPeriod: true,
};

/** The feature as the run's input says, or, for runs started before inputs carried features, its patch marker. */
export function usesFeature(input: SyncLoopInput, feature: keyof SyncLoopFeatures, patchId: string): boolean {
  return input.features?.[feature] ?? patched(patchId);
}

const ROUNDS_BEFORE_CONTINUE_AS_NEW = 200;
/** Held platforms are listed again after this long even without a signal: a lost signal costs a few minutes at most. */
const TARGETS_HELD_MS = 5 * 60 * 1000;
const DEFAULT_IDLE_TIMEOUT_MS = 60 * 60 * 1000;
/** Request ids handed to one push at most: enough to follow a change, bounded for a burst of thousands. */
const MAX_REQUEST_IDS_PER_PUSH = 20;
/** Outbox rows remembered to ignore a redelivery: far more than a relay can redeliver while its lease runs. */
const OUTBOX_IDS_REMEMBERED = 500;

export async function runPlatformSyncLoop(input: SyncLoopInput, steps: SyncLoopSteps): Promise<void> {
  const { userId } = input;
  const views = new Map((input.carried?.views ?? []).map((v) => [v.platformId, v]));
  const requests: SyncRequest[] = [...(input.carried?.requests ?? [])];
  const dirty = new Set<string>();
  const running = new Set<string>();
  /** Platforms with a hand-made request (manual sync, retry) waiting: their next push compares in full. */
  const forced = new Set<string>();
  /** Platforms waiting for their re-drive timer (no push of theirs runs): a continue-as-new may carry them. */
  const waitingForRedrive = new Set<string>();
  /** Changes per platform since its current push started: more than one means a burst is under way. */
  const changesDuringPush = new Map<string, number>();
  /** Per platform: the gateway requests not yet handed to a push (the latest few; they only label log lines). */
  const requestIdsOf = new Map<string, string[]>();
  const takeRequestIds = (platformId: string) => {
    const ids = requestIdsOf.get(platformId) ?? [];
    requestIdsOf.delete(platformId);
    return ids;
  };

  const signals = syncSignals[steps.data];
  const outboxIds = [...(input.carried?.outboxIds ?? [])];
  setHandler(signals.requested, (request) => {
    // A relay that died after signalling but before marking its row delivered sends the row again: once is enough.
    if (request.outboxId) {
      if (outboxIds.includes(request.outboxId)) return;
      outboxIds.push(request.outboxId);
      if (outboxIds.length > OUTBOX_IDS_REMEMBERED) outboxIds.shift();
    }
    requests.push(request);
  });
  const holdsTargets = input.features?.targetsHeld === true;
  /** The platforms of a round without manual requests, as last listed (targetsHeld), and when they were listed. */
  let heldTargets: SyncTarget[] | null = null;
  let heldSince = 0;
  setHandler(syncTargetsChangedSignal, () => {
    heldTargets = null;
  });
  async function targetsOfRound(manualPlatformIds: string[], includeAutoSync: boolean): Promise<SyncTarget[]> {
    if (holdsTargets && manualPlatformIds.length === 0 && heldTargets && Date.now() - heldSince < TARGETS_HELD_MS) return heldTargets;
    const targets = await steps.listTargets({ userId, manualPlatformIds, includeAutoSync });
    // A manual request lists platforms auto-sync leaves out; and it often follows a reconnect: list afresh next time.
    heldTargets = holdsTargets && manualPlatformIds.length === 0 ? targets : null;
    heldSince = Date.now();
    return targets;
  }
  setHandler(signals.state, () => ({ userId, platforms: [...views.values()].map((v) => ({ ...v, queued: dirty.has(v.platformId) })) }));

  const viewOf = (platformId: string): PlatformSyncView => {
    let view = views.get(platformId);
    if (!view) {
      view = { platformId, state: 'pending', queued: false, pushes: 0, lastItemsProcessed: null, lastSyncedAt: null, lastError: null, lastErrorType: null };
      views.set(platformId, view);
    }
    return view;
  };

  async function keepPlatformInStep(target: SyncTarget) {
    const { platformId } = target;
    running.add(platformId);
    const view = viewOf(platformId);
    /** The next push is a re-drive: one attempt, comparing in full. */
    let probe = false;
    try {
      for (;;) {
        while (dirty.delete(platformId)) {
          view.state = 'syncing';
          changesDuringPush.set(platformId, 0);
          try {
            const force = forced.delete(platformId) || probe;
            const requestIds = takeRequestIds(platformId);
            const result = await steps.push(target, { userId, platformId, force, requestIds }, probe ? { singleAttempt: true } : undefined);
            Object.assign(view, {
              state: 'synced',
              lastItemsProcessed: result.itemsProcessed,
              lastSyncedAt: new Date().toISOString(),
              lastError: result.rejected.length ? result.rejected.map((r) => r.reason).join('; ') : null,
              lastErrorType: result.rejected.length ? 'partial' : null,
              redrive: null,
            });
          } catch (error) {
            // The push may have marked the connection needs_reauth or found it gone: list the platforms again.
            heldTargets = null;
            const failure = failureOf(error);
            view.state = 'failed';
            view.lastError = failure.message;
            view.lastErrorType = failure.type;
            // Runs started before re-drive gave such a platform up until the next change.
            if (retryWindowExhausted(error) && usesFeature(input, 'redriveAfterRetryWindow', 'redrive-after-retry-window')) {
              view.redrive = nextRedrive(view.redrive, input.redrive ?? DEFAULT_REDRIVE, Date.now());
            } else {
              view.redrive = null;
            }
          }
          probe = false;
          view.pushes += 1;
          const burst = (changesDuringPush.get(platformId) ?? 0) > 1;
          if (dirty.has(platformId) && burst && input.coalesceMs > 0) await sleep(input.coalesceMs);
        }
        if (!view.redrive) return;
        // Down past its retry window: wait (a durable timer) and push again; a manual sync ends the wait at once
        // and pushes with the full retry window. Changes made meanwhile wait for that push: it reads the current
        // state, so it carries them all.
        waitingForRedrive.add(platformId);
        const remainingMs = Date.parse(view.redrive.nextAttemptAt) - Date.now();
        const manual = remainingMs > 0 ? await condition(() => forced.has(platformId), remainingMs) : forced.has(platformId);
        waitingForRedrive.delete(platformId);
        probe = !manual;
        dirty.add(platformId);
      }
    } finally {
      running.delete(platformId);
    }
  }

  const publishedPlatforms = new Set<string>();
  function publishPlatforms(platformIds: string[]) {
    const before = publishedPlatforms.size;
    for (const id of platformIds) publishedPlatforms.add(id);
    if (publishedPlatforms.size !== before) upsertSearchAttributes([{ key: platformsAttribute, value: [...publishedPlatforms].sort() }]);
  }
  publishPlatforms([...views.keys()]);
  const targetOf = new Map<string, SyncTarget>();
  for (const target of input.carried?.redrives ?? []) {
    targetOf.set(target.platformId, target);
    void keepPlatformInStep(target);
  }

  const idleTimeoutMs = input.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const idle = input.features?.idleTimerPerPeriod ? idleWatch(idleTimeoutMs) : null;
  for (let round = 1; ; round += 1) {
    const changed = idle ? await idle.nextRequest(() => requests.length > 0) : await condition(() => requests.length > 0, idleTimeoutMs);
    if (!changed) {
      await condition(() => running.size === 0 || requests.length > 0);
      if (requests.length === 0) return;
    }
    const batch = requests.splice(0);
    const manualPlatformIds = [...new Set(batch.flatMap((r) => (r.manual ? (r.platformIds ?? []) : [])))];
    const targets = await targetsOfRound(manualPlatformIds, batch.some((r) => !r.manual));
    for (const platformId of manualPlatformIds) forced.add(platformId);
    publishPlatforms(targets.map((t) => t.platformId));
    for (const target of targets) {
      targetOf.set(target.platformId, target);
      dirty.add(target.platformId);
      const requestIds = [...(requestIdsOf.get(target.platformId) ?? []), ...batch.flatMap((r) => (r.requestId ? [r.requestId] : []))];
      requestIdsOf.set(target.platformId, requestIds.slice(-MAX_REQUEST_IDS_PER_PUSH));
      // Count the changes, not the rounds: signals arriving together form one round. (Patched: availability runs
      // started before counted rounds, and replaying their history must decide the same way.)
      const changes = usesFeature(input, 'burstCountsChanges', 'burst-counts-changes') ? batch.length : 1;
      changesDuringPush.set(target.platformId, (changesDuringPush.get(target.platformId) ?? 0) + changes);
      const view = viewOf(target.platformId);
      if (view.state !== 'syncing') view.state = 'pending';
      if (!running.has(target.platformId)) void keepPlatformInStep(target);
    }
    if (workflowInfo().continueAsNewSuggested || round >= (input.roundsBeforeContinueAsNew ?? ROUNDS_BEFORE_CONTINUE_AS_NEW)) {
      // No push may be in flight; platforms waiting for a re-drive go along (the next run waits out the rest).
      await condition(() => [...running].every((platformId) => waitingForRedrive.has(platformId)));
      const redrives = [...waitingForRedrive].flatMap((platformId) => targetOf.get(platformId) ?? []);
      // A manual sync that has not ended its platform's re-drive wait yet goes along as a request, or the next run
      // would wait out the timer instead of pushing now.
      const manualWaiting = [...forced].filter((platformId) => waitingForRedrive.has(platformId));
      const carriedRequests = [...requests.splice(0), ...(manualWaiting.length ? [{ manual: true, platformIds: manualWaiting }] : [])];
      await steps.continueAsNew({ ...input, features: SYNC_LOOP_FEATURES, carried: { views: [...views.values()], requests: carriedRequests, outboxIds, ...(redrives.length ? { redrives } : {}) } });
    }
  }
}

/**
 * The idle timeout without a timer per round: one timer runs for the whole idle period and, when it fires, starts
 * again for what is left since the last request. A round then adds only its signal, its task and its pushes to the
 * history (a timer started and cancelled every round was two more events per change).
 */
function idleWatch(idleTimeoutMs: number) {
  let lastRequestAt = Date.now();
  let timedOut = false;
  let timer: Promise<void> | null = null;
  const watch = async () => {
    for (let left = idleTimeoutMs; left > 0; left = lastRequestAt + idleTimeoutMs - Date.now()) await sleep(left);
    timedOut = true;
  };
  return {
    /** Until a request is waiting (true) or nothing came for the idle timeout (false). */
    async nextRequest(waiting: () => boolean): Promise<boolean> {
      timer ??= watch().finally(() => (timer = null));
      await condition(() => waiting() || timedOut);
      if (!waiting()) return false;
      lastRequestAt = Date.now();
      timedOut = false;
      return true;
    },
  };
}
