// The changes a scale-out test makes: per user a fixed script of creations, updates and deletes (each step needs
// the ids the earlier ones made), run in rounds: step k of every user at once, spread over the gateways.
import { request } from 'undici';

export type Step = { kind: 'create'; slot: number; status: 'unavailable' | 'tentative'; type: 'block' | 'booking' | 'travel' } | { kind: 'move'; entry: number; slot: number } | { kind: 'delete'; entry: number };

/** Ten steps: six entries made, two moved (one of them made tentative), two deleted. */
export const STEPS: Step[] = [
  { kind: 'create', slot: 0, status: 'unavailable', type: 'block' },
  { kind: 'create', slot: 1, status: 'unavailable', type: 'booking' },
  { kind: 'create', slot: 2, status: 'tentative', type: 'booking' },
  { kind: 'move', entry: 0, slot: 10 },
  { kind: 'create', slot: 3, status: 'unavailable', type: 'travel' },
  { kind: 'delete', entry: 1 },
  { kind: 'create', slot: 4, status: 'unavailable', type: 'block' },
  { kind: 'move', entry: 3, slot: 11 },
  { kind: 'create', slot: 5, status: 'tentative', type: 'booking' },
  { kind: 'delete', entry: 4 },
];

/** Slots are three days long and apart, so no two entries of a user touch (no option ranks to share). */
const day = (slot: number, offset = 0) => new Date(Date.UTC(2032, 0, 1) + (slot * 4 + offset) * 86_400_000).toISOString().slice(0, 10);

export interface ScriptUser {
  token: string;
  /** The ids the user's creations got, in order. */
  entries: string[];
}

/** Sends one step of one user to a gateway; returns the HTTP status (a creation records the new id). */
export async function runStep(gatewayUrl: string, user: ScriptUser, step: Step): Promise<number> {
  const headers = { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' };
  if (step.kind === 'create') {
    const body = JSON.stringify({ startDate: day(step.slot), endDate: day(step.slot, 2), status: step.status, type: step.type });
    const res = await request(`${gatewayUrl}/api/availability`, { method: 'POST', headers, body });
    const answer = (await res.body.json()) as { id: string };
    if (res.statusCode === 201) user.entries.push(answer.id);
    return res.statusCode;
  }
  const id = user.entries[step.entry]!;
  if (step.kind === 'move') {
    const body = JSON.stringify({ startDate: day(step.slot), endDate: day(step.slot, 1), status: 'tentative', type: 'booking' });
    const res = await request(`${gatewayUrl}/api/availability/${id}`, { method: 'PATCH', headers, body });
    await res.body.dump();
    return res.statusCode;
  }
  const res = await request(`${gatewayUrl}/api/availability/${id}`, { method: 'DELETE', headers: { authorization: headers.authorization } });
  await res.body.dump();
  return res.statusCode;
}

/** "Sync now" for one platform: a push that compares with what the platform holds, even when it is in step. */
export async function requestFullSync(gatewayUrl: string, user: ScriptUser, platformId: string): Promise<number> {
  const res = await request(`${gatewayUrl}/api/sync/availability/${platformId}`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` } });
  await res.body.dump();
  return res.statusCode;
}
