// The minimal Temporal workflow of npm run bench:floor: one activity doing the two requests, nothing else (no
// signals, no state, no codec), on a task queue of its own. Only @temporalio/workflow and types may come in here.
import { proxyActivities } from '@temporalio/workflow';
import type { FloorActivities, FloorPushInput } from './requests.js';

const { pushFloorEntry } = proxyActivities<FloorActivities>({ startToCloseTimeout: '30 seconds' });

export async function floorPush(input: FloorPushInput): Promise<void> {
  await pushFloorEntry(input);
}
