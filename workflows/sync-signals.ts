// The signal and query of each sync workflow. Availability's names predate media and profile sync and stay as
// they are: running workflows and their histories use them.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SyncedData } from './ids.js';
import type { RedriveView } from './redrive.js';

export interface SyncRequest {
  /** A hand-made request (manual sync, retry) for these platforms only; otherwise a change of our data. */
  manual?: boolean;
  platformIds?: string[];
  /** The gateway's request id, handed on to the pushes it causes for their log lines. */
  requestId?: string;
  /** The outbox row this request was delivered from (lib/outbox-relay.ts): a redelivery of the same row is ignored. */
  outboxId?: string;
}

export type PlatformSyncState = 'pending' | 'syncing' | 'synced' | 'failed';

export interface PlatformSyncView {
  platformId: string;
  state: PlatformSyncState;
  /** Another push is due after the one running now. */
  queued: boolean;
  pushes: number;
  lastItemsProcessed: number | null;
  lastSyncedAt: string | null;
  lastError: string | null;
  lastErrorType: string | null;
  /** Set while the platform, down past its retry window, waits to be pushed again (workflows/redrive.ts). */
  redrive?: RedriveView | null;
}

export interface SyncView {
  userId: string;
  platforms: PlatformSyncView[];
}

function signalsFor(requested: string, state: string) {
  return { requested: defineSignal<[SyncRequest]>(requested), state: defineQuery<SyncView>(state) };
}

/**
 * A user's connections changed in a way that changes which platforms a round pushes to (connected, disconnected,
 * sync settings, needs_reauth and back): the run lists them again at its next round. One name for every sync
 * workflow type; the outbox relay sends it to the user's running sync workflows (topic sync_targets).
 */
export const syncTargetsChangedSignal = defineSignal('syncTargetsChanged');

export const syncSignals = {
  availability: signalsFor('availabilitySyncRequested', 'availabilitySyncState'),
  media: signalsFor('mediaSyncRequested', 'mediaSyncState'),
  profile: signalsFor('profileSyncRequested', 'profileSyncState'),
} satisfies Record<SyncedData, ReturnType<typeof signalsFor>>;
