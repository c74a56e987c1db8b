// One workflow per option with an expiry: a durable timer until the option's optionExpiresAt, then an activity
// releases the option (the options below it move up) and asks for a push. A timer rather than a cron job: it
// fires on time for each option, survives restarts, and the Web UI shows each pending expiry by its workflow id.
// The gateway moves the deadline with a signal (signalWithStart, which starts the workflow when none runs) and
// cancels the workflow when the option is deleted or loses its expiry. The activity also checks that the option
// still has this very expiry, so a run that fires before it was moved or cancelled changes nothing.
import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CoreActivities } from '../activities/index.js';
import { expiryChangedSignal } from './plumbing.js';

export interface OptionExpiryInput {
  userId: string;
  availabilityId: string;
  /** ISO date-time: the option's optionExpiresAt when the timer was set. */
  expiresAt: string;
}

export type OptionExpiryOutcome = 'released' | 'unchanged';

const { releaseExpiredOption } = proxyActivities<CoreActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function optionExpiryWorkflow(input: OptionExpiryInput): Promise<OptionExpiryOutcome> {
  let expiresAt = input.expiresAt;
  setHandler(expiryChangedSignal, (next) => void (expiresAt = next));
  for (;;) {
    await untilDeadline(() => expiresAt);
    const deadline = expiresAt;
    const { released } = await releaseExpiredOption({ ...input, expiresAt: deadline });
    // A deadline moved while the activity ran was not this one: the activity found the new expiry and left the
    // option alone, so wait for the new deadline instead of ending.
    if (released || expiresAt === deadline) return released ? 'released' : 'unchanged';
  }
}

/** A durable timer to the current deadline, started again whenever a signal moves it. */
async function untilDeadline(deadline: () => string): Promise<void> {
  for (;;) {
    const target = deadline();
    // Date.now() is workflow time here (deterministic on replay; skipped ahead by the time-skipping test server).
    const delayMs = Date.parse(target) - Date.now();
    if (delayMs <= 0) return;
    const moved = await condition(() => deadline() !== target, delayMs);
    if (!moved) return;
  }
}
