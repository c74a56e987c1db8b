// startStack for test files: the stack on the Temporal server and database that the global setup provides.
import { inject } from 'vitest';
import { buildStack, type Stack, type StackOptions } from './stack-core.js';

export { waitFor, type Stack, type StackOptions, type TestUser } from './stack-core.js';

export function startStack(options: StackOptions = {}): Promise<Stack> {
  return buildStack(options, {
    databaseUrl: inject('databaseUrl'),
    temporalAddress: inject('temporalAddress'),
    workflowBundlePath: inject('workflowBundlePath'),
    payloadKeys: inject('payloadKeys'),
  });
}
