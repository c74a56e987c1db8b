// How long one media push may take, from the work it has: a base for listing and arranging, a share per item,
// and its bytes at the slowest upload rate we accept. A fixed limit either cut off a slow but healthy platform
// (12 photos to one answering 10 s late outran the 2-minute limit, Temporal started a second attempt while the
// first still uploaded, and both uploaded the same photos) or let a dead one hang for long. The limit is an
// upper bound: a push that finds most items already there finishes long before it. Runs as a local activity;
// the workflow schedules the push with the result (workflows/media-sync.ts).
import { msToNumber } from '@temporalio/common/lib/time.js';
import { getPlatform } from '../adapters/catalog.js';
import { activityOptionsByKind } from '../adapters/policies.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';

export interface MediaPushPlanInput {
  userId: string;
  platformId: string;
}

export interface MediaPushPlan {
  items: number;
  bytes: number;
  startToCloseTimeoutMs: number;
  /** The kind's retry window, after room for one whole attempt. */
  scheduleToCloseTimeoutMs: number;
}

/** Longer than this, an attempt's pending sync-log row would look abandoned (lib/media-originals.ts). */
const MAX_ATTEMPT_MS = 5 * 60 * 60 * 1000;

export function createMediaPushPlanActivities(db: Db, config: Config) {
  return {
    async planMediaPush({ userId, platformId }: MediaPushPlanInput): Promise<MediaPushPlan> {
      const kind = activityOptionsByKind[getPlatform(platformId).kind];
      // Every live item (a forced push compares all) and the deleted ones this platform still holds.
      const [live, toRemove] = await Promise.all([
        db.media.aggregate({ where: { userId, deletedAt: null }, _count: true, _sum: { bytes: true } }),
        db.platformMediaState.count({ where: { platformId, externalId: { not: null }, media: { userId, deletedAt: { not: null } } } }),
      ]);
      const items = live._count + toRemove;
      const bytes = Number(live._sum.bytes ?? 0n);
      const baseMs = config.mediaPushBaseMs ?? msToNumber(kind.startToCloseTimeout!);
      const startToCloseTimeoutMs = Math.min(MAX_ATTEMPT_MS, Math.ceil(baseMs + items * config.mediaPushItemMs + (bytes * 1000) / config.mediaPushBytesPerSecond));
      return { items, bytes, startToCloseTimeoutMs, scheduleToCloseTimeoutMs: startToCloseTimeoutMs + msToNumber(kind.scheduleToCloseTimeout!) };
    },
  };
}
