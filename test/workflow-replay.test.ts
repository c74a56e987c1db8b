// Workflow code that changed (behind patched(...)) still replays the histories of runs started before the change:
// every test/fixtures/histories/*.json is replayed against the current workflow bundle. A nondeterminism error
// here means a running workflow would break on deploy. The fixtures are recorded by test/record/.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { temporalDataConverter } from '../lib/payload-codec.js';
import { parseMasterKeys } from '../lib/config.js';
import { newMasterKey } from '../lib/secrets.js';
import { historyFromFixture } from './support/histories.js';

const fixtures = path.resolve(import.meta.dirname, 'fixtures/histories');

beforeAll(() => {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
});

describe('workflow replay', () => {
  it('replays every recorded history against the current workflow code', async () => {
    const files = (await readdir(fixtures)).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThan(0);
    const histories = await Promise.all(
      files.map(async (file) => ({ workflowId: path.basename(file, '.json'), history: historyFromFixture(await readFile(path.join(fixtures, file), 'utf8')) })),
    );
    // The service's converter: encrypted payloads would need the recording run's key; the fixtures are plain, which
    // the codec passes through, and failures go through the shared failure converter as in production.
    const keys = parseMasterKeys(`replay:${newMasterKey()}`);
    const results = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: temporalDataConverter({ payloadKeys: keys, payloadActiveKeyId: 'replay' }) },
      histories,
    )) {
      results.push({ workflowId: result.workflowId, error: result.error ? String(result.error) : null });
    }
    expect(results).toEqual(histories.map(({ workflowId }) => ({ workflowId, error: null })));
  });
});
