// Workflow histories as replay fixtures (test/fixtures/histories/*.json). @temporalio/common's historyToJSON and
// historyFromJSON fail in this install ("type must be a Type": common bundles protobufjs 8, @temporalio/proto is
// built with protobufjs 7), so fixtures are the History message's own object form (enum names, 64-bit numbers
// and bytes as strings) through @temporalio/proto's protobufjs; reading also takes Temporal's JSON format when the
// SDK's helper can parse it.
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import proto from '@temporalio/proto';

const HistoryMessage = proto.temporal.api.history.v1.History;

export function historyToFixture(history: History): string {
  const object = HistoryMessage.toObject(HistoryMessage.fromObject(history), { longs: String, enums: String, bytes: String });
  return JSON.stringify(object, null, 1);
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
