// The variants npm run bench:floor compares, each as: make a user, submit one change, tell which changes every
// platform of the variant holds. All of them write to the same e-TALENTA simulator; each owns its accounts there,
// so the tally can tell their requests apart.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { platformCatalog } from '../../adapters/catalog.js';
import type { OAuthPlatformSimulator } from '../../simulators/oauth/server.js';
import { addToOutbox } from '../../lib/outbox.js';
import type { Stack } from '../../test/support/stack-core.js';
import { grantTokens } from '../../test/support/oauth-grant.js';
import type { PlatformTally } from './meter.js';
import { pushEntry, type FloorEntry } from './requests.js';
import { floorPush } from './workflow.js';

export const REST = ['etalenta', 'agentur-connection'];
export const AGENCY = 'agentur-iris-mueller';
export const FLOOR_TASK_QUEUE = 'bench-floor';

export interface Subject {
  /** castsync's user id, or the floor's account reference. */
  id: string;
  /** The user's e-TALENTA API key (and Agentur Connection's, for castsync). */
  apiKeys: Record<string, string>;
  auth?: { authorization: string };
  jobworkAccount?: string;
  /** Days handed out so far: every change is a new entry on a day of its own. */
  days: number;
}

export interface Change {
  user: Subject;
  /** The entry's client reference on the platforms (castsync: its availability id). */
  ref: string;
}

export interface Variant {
  name: string;
  /** Every `fallbackMs` the waiter checks even without a platform request (castsync's e-mail confirmation). */
  fallbackMs: number;
  user(): Promise<Subject>;
  /** Submits one change, the variant's way; resolves once it is submitted (the requests alone: once made). */
  submit(user: Subject): Promise<Change>;
  /** The changes every platform of the variant holds. */
  held(changes: Change[]): Promise<Change[]> | Change[];
  /** Submissions answered 5xx and sent again (castsync's API under a burst). */
  retried: number;
}

export interface VariantParts {
  stack: Stack;
  jobwork: OAuthPlatformSimulator;
  tally: PlatformTally;
  /** A plain client (no payload codec) for the minimal workflow. */
  floorClient: Client;
  /** Account reference -> API key, which the minimal workflow's activity looks up. */
  floorKeys: Map<string, string>;
}

// Every other day from 2030 on, so no two entries of a user touch.
const dayOf = (user: Subject) => new Date(Date.UTC(2030, 0, 1) + 2 * user.days++ * 86_400_000).toISOString().slice(0, 10);

function floorEntry(user: Subject): FloorEntry {
  const day = dayOf(user);
  return { clientRef: randomUUID(), from: day, to: day, state: 'unavailable', category: 'block' };
}

const onEtalenta = (parts: VariantParts, change: Change) =>
  parts.stack.simulators.etalenta!.calendar(change.user.apiKeys.etalenta!).some((e) => e.clientRef === change.ref);

export function variants(parts: VariantParts): Variant[] {
  const { stack, jobwork, tally } = parts;
  const etalenta = stack.simulators.etalenta!;

  const floorUser = (variant: string) => async (): Promise<Subject> => {
    const id = `floor-${randomUUID()}`;
    const apiKey = `key_${randomUUID()}`;
    etalenta.addAccount(apiKey);
    parts.floorKeys.set(id, apiKey);
    tally.own(apiKey, variant);
    return { id, apiKeys: { etalenta: apiKey }, days: 0 };
  };

  // A client's way with a 5xx: wait a moment and send the change again. A burst of writes can find every
  // connection of the gateway's database pool busy for longer than Prisma waits to start a transaction (500,
  // nothing written); the bench counts these so the table can say how often.
  const post = (variant: () => Variant) => async (user: Subject): Promise<Change> => {
    const day = dayOf(user);
    for (let attempt = 1; ; attempt += 1) {
      const res = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth!, payload: { startDate: day, endDate: day, status: 'unavailable', type: 'block' } });
      if (res.statusCode === 201) return { user, ref: res.json().id };
      if (res.statusCode < 500 || attempt === 5) throw new Error(`POST /api/availability answered ${res.statusCode}: ${res.body}`);
      variant().retried += 1;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const requestsAlone: Variant = {
    name: 'requests alone (list + batch)',
    fallbackMs: 50,
    retried: 0,
    user: floorUser('requests alone (list + batch)'),
    async submit(user) {
      const entry = floorEntry(user);
      await pushEntry({ baseUrl: etalenta.url, apiKey: user.apiKeys.etalenta! }, entry);
      return { user, ref: entry.clientRef };
    },
    held: (changes) => changes.filter((c) => onEtalenta(parts, c)),
  };

  const minimalWorkflow: Variant = {
    name: 'minimal workflow + 1 activity',
    fallbackMs: 50,
    retried: 0,
    user: floorUser('minimal workflow + 1 activity'),
    async submit(user) {
      const entry = floorEntry(user);
      await parts.floorClient.workflow.start(floorPush, { taskQueue: FLOOR_TASK_QUEUE, workflowId: `floor-${entry.clientRef}`, args: [{ account: user.id, entry }] });
      return { user, ref: entry.clientRef };
    },
    held: (changes) => changes.filter((c) => onEtalenta(parts, c)),
  };

  // The minimal workflow behind castsync's own way into Temporal: the entry and its outbox row committed in one
  // transaction, the workflow started, the row marked delivered afterwards (lib/outbox-relay.ts). No HTTP, token,
  // lock or sync workflow: the floor of a change that is durable before Temporal hears of it.
  const minimalAfterOutbox: Variant = {
    name: 'minimal workflow after an outbox commit',
    fallbackMs: 50,
    retried: 0,
    async user() {
      const { id } = await stack.createUser({ platforms: [] });
      const apiKey = `key_${randomUUID()}`;
      etalenta.addAccount(apiKey);
      parts.floorKeys.set(id, apiKey);
      tally.own(apiKey, 'minimal workflow after an outbox commit');
      return { id, apiKeys: { etalenta: apiKey }, days: 0 };
    },
    async submit(user) {
      const entry = floorEntry(user);
      const day = new Date(`${entry.from}T00:00:00Z`);
      // Claimed at insert, as the gateway's own rows are: castsync's relay leaves them to this hand-off.
      const rows = await stack.db.$transaction(async (tx) => {
        await tx.availability.create({ data: { id: entry.clientRef, userId: user.id, startDate: day, endDate: day, status: 'unavailable', type: 'block' } });
        return addToOutbox(tx, user.id, [{ topic: 'sync', data: 'availability' }], { claimedUntil: new Date(Date.now() + 60_000) });
      });
      await parts.floorClient.workflow.start(floorPush, { taskQueue: FLOOR_TASK_QUEUE, workflowId: `floor-${entry.clientRef}`, args: [{ account: user.id, entry }] });
      // Off the change's path, as the relay marks its rows; a failure only leaves the row claimed until the bench ends.
      void stack.db.outboxMessage
        .updateMany({ where: { id: { in: rows.map((row) => row.id) } }, data: { deliveredAt: new Date(), claimedUntil: null } })
        .catch(() => undefined);
      return { user, ref: entry.clientRef };
    },
    held: (changes) => changes.filter((c) => onEtalenta(parts, c)),
  };

  const castsyncOne: Variant = {
    name: 'castsync, 1 platform',
    fallbackMs: 50,
    retried: 0,
    async user() {
      const user = await stack.createUser({ platforms: ['etalenta'] });
      tally.own(user.apiKeys.etalenta!, 'castsync, 1 platform');
      return { ...user, days: 0 };
    },
    submit: post(() => castsyncOne),
    held: (changes) => changes.filter((c) => onEtalenta(parts, c)),
  };

  const castsyncFour: Variant = {
    name: 'castsync, 4 platforms',
    // The agency's confirmation is a database row written after the SMTP server accepted: no request announces it.
    fallbackMs: 5,
    retried: 0,
    async user() {
      const user = await stack.createUser({ platforms: REST });
      const { accountId, tokens } = await grantTokens(jobwork, platformCatalog.jobwork);
      await stack.connect(user.id, 'jobwork', tokens);
      const agencyAddress = `booking+${user.id}@agency.example`;
      await stack.connect(user.id, AGENCY, {}, { accountRef: agencyAddress });
      for (const account of [...Object.values(user.apiKeys), accountId, agencyAddress]) tally.own(account, 'castsync, 4 platforms');
      return { ...user, jobworkAccount: accountId, days: 0 };
    },
    submit: post(() => castsyncFour),
    async held(changes) {
      const onApis = changes.filter(
        (c) =>
          REST.every((id) => stack.simulators[id]!.calendar(c.user.apiKeys[id]!).some((e) => e.clientRef === c.ref)) &&
          jobwork.calendar(c.user.jobworkAccount!).some((e) => e.ref === c.ref),
      );
      if (onApis.length === 0) return [];
      const told = await stack.db.platformAvailabilityState.findMany({
        where: { platformId: AGENCY, availabilityId: { in: onApis.map((c) => c.ref) }, confirmedVersion: { not: null } },
        select: { availabilityId: true },
      });
      const toldIds = new Set(told.map((t) => t.availabilityId));
      return onApis.filter((c) => toldIds.has(c.ref));
    },
  };

  return [requestsAlone, minimalWorkflow, minimalAfterOutbox, castsyncOne, castsyncFour];
}
