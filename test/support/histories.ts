// Workflow histories as replay fixtures (test/fixtures/histories/*.json). @temporalio/common's historyToJSON and
// historyFromJSON fail in this install ("type must be a Type": common bundles protobufjs 8, @temporalio/proto is
// built with protobufjs 7), so fixtures are the History message's own object form (enum names, 64-bit numbers
// and bytes as strings) through @temporalio/proto's protobufjs; reading also takes Temporal's JSON format when the
// SDK's helper can parse it.
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import proto from '@temporalio/proto';

const HistoryMessage = proto.temporal.api.history.v1.History;

/** The history as a fixture, without what names the machine it was recorded on (worker identities, stack traces). */
export function historyToFixture(history: History): string {
  const object = HistoryMessage.toObject(HistoryMessage.fromObject(history), { longs: String, enums: String, bytes: String });
  return JSON.stringify(scrub(object), null, 1);
}

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'identity') out[key] = 'replay-fixture';
    else if (key === 'stackTrace') out[key] = '';
    else if (key === 'encodedAttributes') out[key] = withoutStackTrace(inner as { data?: string });
    else out[key] = scrub(inner);
  }
  return out;
}

/** A failure's encoded attributes (plain JSON here: no codec when recording) hold its message and stack trace. */
function withoutStackTrace(payload: { data?: string }) {
  if (!payload?.data) return payload;
  const attributes = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as Record<string, unknown>;
  return { ...payload, data: Buffer.from(JSON.stringify({ ...attributes, stack_trace: '' })).toString('base64') };
}

export function historyFromFixture(text: string): History {
  let json: unknown = JSON.parse(text);
  if (typeof json === 'string') json = JSON.parse(json); // written as JSON.stringify(historyToJSON(...))
  try {
    return HistoryMessage.fromObject(json as object);
  } catch {
    return historyFromJSON(json);
  }
}
