// The periodic full comparison of one connection (started by its schedule: lib/reconcile-schedules.ts). It asks
// the user's sync workflows for a manual-style sync of this platform, through the outbox, so the comparison runs
// where every push runs (one push per platform at a time, with the kind's retries and re-drive).
import { proxyLocalActivities } from '@temporalio/workflow';
import type { CoreActivities } from '../activities/index.js';
import { localActivityOptions } from '../adapters/policies.js';

export interface ReconcileInput {
  userId: string;
  platformId: string;
}

const { requestFullComparison } = proxyLocalActivities<CoreActivities>(localActivityOptions);

export async function reconcileWorkflow(input: ReconcileInput): Promise<{ requested: string[]; skipped: string | null }> {
  return requestFullComparison(input);
}
