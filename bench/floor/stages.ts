// Where one change's time goes, from the Temporal histories: for the changes made one at a time by the minimal
// workflow and by castsync with one platform, the medians of the stages between the submission and the moment the
// platform held it. Event times are the Temporal server's clock, the others this process's: one machine, one clock.
import type { Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import proto from '@temporalio/proto';
import type { Db } from '../../lib/db.js';
import { availabilitySyncWorkflowId } from '../../workflows/plumbing.js';
import { quantile } from '../support.js';
import type { Change } from './variants.js';

const EventType = proto.temporal.api.enums.v1.EventType;
type EventTypeValue = (typeof EventType)[keyof typeof EventType];

/** One change made one at a time: when it was submitted and when the platform held it (epoch ms). */
export interface TimedChange {
  change: Change;
  submittedAt: number;
  heldAt: number;
}

interface Event {
  type: EventTypeValue;
  at: number;
}

type Stages = Map<string, number[]>;

function eventsOf(history: History): Event[] {
  return (history.events ?? []).map((e) => ({
    type: e.eventType!,
    at: Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6),
  }));
}

const firstAfter = (events: Event[], type: EventTypeValue, at: number) => events.find((e) => e.type === type && e.at >= at);

/** Adds each stage's length to `stages`, in order; stops at the first stage whose end is missing. */
function addStages(stages: Stages, marks: [string, number | undefined][]) {
  for (let i = 1; i < marks.length; i += 1) {
    const [name, end] = marks[i]!;
    const start = marks[i - 1]![1];
    if (start === undefined || end === undefined) return;
    stages.set(name, [...(stages.get(name) ?? []), end - start]);
  }
}

/** The workflow's own stages after `from`: its next task, the activity's dispatch and work, until the platform held it. */
function workflowMarks(events: Event[], from: number, heldAt: number): [string, number | undefined][] {
  const taskStarted = firstAfter(events, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, from)?.at;
  const taskCompleted = taskStarted === undefined ? undefined : firstAfter(events, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, taskStarted)?.at;
  const activityStarted = taskCompleted === undefined ? undefined : firstAfter(events, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED, taskCompleted)?.at;
  return [
    ['workflow task picked up', taskStarted],
    ['workflow task', taskCompleted],
    ['activity picked up', activityStarted],
    ['activity until the platform held it', heldAt],
  ];
}

export async function minimalWorkflowStages(client: Client, changes: TimedChange[]): Promise<Stages> {
  const stages: Stages = new Map();
  for (const { change, submittedAt, heldAt } of changes) {
    const events = eventsOf(await client.workflow.getHandle(`floor-${change.ref}`).fetchHistory());
    const started = events.find((e) => e.type === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)?.at;
    addStages(stages, [['', submittedAt], ['start reached Temporal', started], ...workflowMarks(events, started ?? Infinity, heldAt)]);
  }
  return stages;
}

export async function castsyncStages(client: Client, db: Db, userId: string, changes: TimedChange[]): Promise<Stages> {
  const stages: Stages = new Map();
  const events = eventsOf(await client.workflow.getHandle(availabilitySyncWorkflowId(userId)).fetchHistory());
  const written = new Map(
    (await db.availability.findMany({ where: { id: { in: changes.map((c) => c.change.ref) } }, select: { id: true, createdAt: true } })).map((a) => [a.id, a.createdAt.getTime()]),
  );
  for (const { change, submittedAt, heldAt } of changes) {
    const writtenAt = written.get(change.ref);
    const signalled = writtenAt === undefined ? undefined : events.find((e) => e.type === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED && e.at >= writtenAt)?.at;
    addStages(stages, [
      ['', submittedAt],
      ['API until the entry was written', writtenAt],
      ['commit and hand-off until the signal reached Temporal', signalled],
      ...workflowMarks(events, signalled ?? Infinity, heldAt),
    ]);
  }
  return stages;
}

export function printStages(variants: { name: string; stages: Stages }[]) {
  console.log('\nWhere one change goes (changes one at a time, from the Temporal histories), p50 (p95) in ms per stage\n');
  for (const { name, stages } of variants) {
    const parts = [...stages].map(([stage, values]) => `${stage} ${quantile(values, 0.5).toFixed(1)} (${quantile(values, 0.95).toFixed(0)})`);
    console.log(`- ${name}: ${parts.join(' · ')}`);
  }
}
