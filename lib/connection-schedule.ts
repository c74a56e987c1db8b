// What the per-connection schedules (pulls: lib/pull-schedules.ts; reconcile: lib/reconcile-schedules.ts) share:
// the definition is created, or replaced whole when it exists, so the same call twice or after a new setting
// leaves exactly one schedule as a fresh create would; and removing one that is not there is fine.
import { createHash } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { ConnectionKind } from '../adapters/catalog.js';
import { WORKFLOW_TASK_QUEUE } from '../workflows/plumbing.js';
import { platformsAttribute, userIdAttribute } from '../workflows/search-attributes.js';

/**
 * The workflows these schedules start: one connection's ids in, and what the workflow needs decided before its first
 * activity (the platform's kind: its retry policy); nothing else (credentials are read in activities).
 */
export type ConnectionWorkflow = (input: { userId: string; platformId: string; kind?: ConnectionKind }) => Promise<unknown>;
export type ConnectionScheduleDefinition = ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<ConnectionWorkflow>>;

/**
 * A schedule that starts `workflow` for one connection every `everySeconds`, at the connection's own second of
 * that interval: the schedules of many users are spread over it, so their reads of one platform (and of a quota
 * shared by the whole deployment, like Filmmakers' partner API) do not all fall in the same minutes.
 */
export function connectionSchedule(
  { userId, platformId }: { userId: string; platformId: string },
  { workflow, workflowId, everySeconds, kind }: { workflow: ConnectionWorkflow; workflowId: string; everySeconds: number; kind?: ConnectionKind },
): ConnectionScheduleDefinition {
  const searchAttributes = [
    { key: userIdAttribute, value: userId },
    { key: platformsAttribute, value: [platformId] },
  ];
  return {
    spec: { intervals: [{ every: `${everySeconds} seconds`, offset: `${spreadSeconds(`${workflow.name}/${userId}/${platformId}`, everySeconds)} seconds` }] },
    action: {
      type: 'startWorkflow',
      workflowType: workflow,
      workflowId,
      taskQueue: WORKFLOW_TASK_QUEUE,
      args: [{ userId, platformId, ...(kind ? { kind } : {}) }],
      typedSearchAttributes: searchAttributes,
    },
    // A slow run never overlaps the next; a missed one is not made up later: the next one reads everything anyway.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    typedSearchAttributes: searchAttributes,
    state: { paused: false },
  };
}

/** A stable second in [0, range) for this key, evenly spread over keys. */
export function spreadSeconds(key: string, range: number): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % Math.max(1, Math.floor(range));
}

export async function putSchedule<W extends Workflow>(client: Client, scheduleId: string, wanted: ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<W>>): Promise<void> {
  try {
    await client.schedule.create({ scheduleId, ...wanted });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    // Replace the whole definition (not patch it), so an update leaves exactly what a fresh create would.
    await client.schedule.getHandle(scheduleId).update(() => wanted);
  }
}

/** Deleting a schedule that is not there is fine: the wish (no schedule) holds. */
export async function removeSchedule(client: Client, scheduleId: string): Promise<void> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
}
