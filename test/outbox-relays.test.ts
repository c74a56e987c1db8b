// Several relays at once (gateways with their own relay, `npm run relay` beside them) never deliver one outbox
// row twice: claims take rows with FOR UPDATE SKIP LOCKED and hold them for a lease. Checked at the effect: each
// user's sync workflow history holds exactly one signal per row. Runs on its own in-memory dev server and without
// workers, so no workflow of another test file runs (and completes) between the signals being counted.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { addToOutbox, syncMessages } from '../lib/outbox.js';
import { OutboxRelay } from '../lib/outbox-relay.js';
import { startDevServer, type DevServer } from '../lib/temporal-server.js';
import { syncWorkflowId } from '../workflows/plumbing.js';
import { buildStack, type Stack } from './support/stack-core.js';

const USERS = 20;
const ROWS_PER_USER = 10;
let server: DevServer;
let stack: Stack;

beforeAll(async () => {
  server = await startDevServer({ uiPort: null });
  stack = await buildStack(
    { restPlatforms: [], workers: false, env: { CASTSYNC_RELAY: 'off' } },
    { databaseUrl: inject('databaseUrl'), temporalAddress: server.address, workflowBundlePath: inject('workflowBundlePath'), payloadKeys: inject('payloadKeys') },
  );
});

afterAll(async () => {
  await stack?.stop();
  await server?.stop();
});

it('two relays sweeping the same outbox deliver every row exactly once', async () => {
  const users = await Promise.all(Array.from({ length: USERS }, () => stack.createUser({ platforms: [] })));
  const rows = [];
  for (let round = 0; round < ROWS_PER_USER; round++) {
    for (const user of users) rows.push(...(await addToOutbox(stack.db, user.id, syncMessages(['availability']))));
  }
  const ours = new Set(rows.map((row) => row.id));

  // Small batches, so the two relays' claims interleave over many sweeps rather than one taking everything.
  const relays = [0, 1].map(() => new OutboxRelay(stack.db, stack.temporal, stack.config, { batchSize: 7 }));
  const claimed = [0, 0];
  const sweepUntilEmpty = async (index: number) => {
    for (;;) {
      const waiting = await stack.db.outboxMessage.count({ where: { id: { in: [...ours] }, deliveredAt: null } });
      if (waiting === 0) return;
      claimed[index]! += await relays[index]!.sweep();
    }
  };
  await Promise.all([sweepUntilEmpty(0), sweepUntilEmpty(1)]);

  console.log(`rows claimed by relay 1: ${claimed[0]}, by relay 2: ${claimed[1]} (of ${rows.length})`);
  expect(claimed[0]! + claimed[1]!).toBe(rows.length);
  expect(claimed[0]).toBeGreaterThan(0);
  expect(claimed[1]).toBeGreaterThan(0);
  const delivered = await stack.db.outboxMessage.findMany({ where: { id: { in: [...ours] } }, select: { deliveredAt: true, attempts: true } });
  expect(delivered.every((row) => row.deliveredAt !== null && row.attempts === 0)).toBe(true);

  for (const user of users) {
    const history = await stack.temporal.workflow.getHandle(syncWorkflowId('availability', user.id)).fetchHistory();
    const signals = (history.events ?? []).filter((event) => event.workflowExecutionSignaledEventAttributes);
    expect(signals, `signals in ${user.id}'s workflow`).toHaveLength(ROWS_PER_USER);
  }
});
