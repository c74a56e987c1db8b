// What the sync workflows' signal and query carry (their names: ./plumbing.ts): a request to push, and the
// state of each platform.
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
