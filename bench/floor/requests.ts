// The floor of one availability push to a REST platform: the two requests castsync's REST adapter makes for one new
// entry (list what the platform holds, then a batch with the upsert), written out with nothing around them. The
// "requests alone" variant calls pushEntry itself; the minimal workflow's one activity calls the same function.
import { request } from 'undici';

/** One calendar entry in e-TALENTA's wire format (simulators/etalenta/server.ts). */
export interface FloorEntry {
  clientRef: string;
  from: string;
  to: string;
  state: 'unavailable';
  category: 'block';
}

export interface FloorTarget {
  baseUrl: string;
  apiKey: string;
}

/** Lists the account's calendar and, unless it already holds the entry, upserts it in one batch. */
export async function pushEntry(target: FloorTarget, entry: FloorEntry): Promise<void> {
  const authorization = `Bearer ${target.apiKey}`;
  const list = await request(`${target.baseUrl}/v1/availability?page=1&perPage=200`, { headers: { authorization } });
  if (list.statusCode !== 200) throw new Error(`list answered ${list.statusCode}: ${await list.body.text()}`);
  const { items } = (await list.body.json()) as { items: { clientRef: string | null }[] };
  if (items.some((item) => item.clientRef === entry.clientRef)) return;
  const batch = await request(`${target.baseUrl}/v1/availability/batch`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ operations: [{ op: 'upsert', ...entry, optionRank: null, holder: null, note: null }] }),
  });
  const answer = (await batch.body.json()) as { results?: { ok: boolean; error?: string }[] };
  if (batch.statusCode !== 200 || !answer.results?.[0]?.ok) throw new Error(`batch answered ${batch.statusCode}: ${JSON.stringify(answer)}`);
}

/** The minimal workflow's input: an account reference, never its key (the activity looks the key up). */
export interface FloorPushInput {
  account: string;
  entry: FloorEntry;
}

export interface FloorActivities {
  pushFloorEntry(input: FloorPushInput): Promise<void>;
}

export function createFloorActivities(targetOf: (account: string) => FloorTarget): FloorActivities {
  return {
    pushFloorEntry: ({ account, entry }) => pushEntry(targetOf(account), entry),
  };
}
