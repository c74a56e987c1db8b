// ESLint 9 flat config. typescript-eslint's recommended rules without type information (no type-checker
// pass, so `npm run lint` stays fast), plus a fence around workflows/: Temporal replays workflow code, so it
// must not reach I/O, clocks, randomness or process state except through the SDK. The dashboard's plain browser
// modules (api/dashboard/*.js) get the same rules with the browser's globals (their types: tsconfig.dashboard.json).
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const deterministic =
  'Workflow code must be deterministic: side effects belong in activities (call them through proxyActivities).';

const nodeBuiltins = [
  'fs', 'path', 'crypto', 'http', 'https', 'net', 'child_process', 'os', 'process', 'stream', 'worker_threads', 'timers',
];

// Regexes rather than gitignore-style groups: they catch subpaths (fs/promises, node:fs/promises) and any
// depth of ../ without also matching unrelated names.
const workflowImportBans = [
  { regex: '^node:', message: deterministic },
  { regex: `^(?:${nodeBuiltins.join('|')})(?:/|$)`, message: deterministic },
  { regex: '^(?:undici|pg|fastify)(?:/|$)', message: deterministic },
  { regex: '^@prisma/', message: deterministic },
  { regex: '^@temporalio/(?:activity|worker|client)(?:/|$)', message: deterministic },
  { regex: '^(?:\\.\\./)+(?:lib|generated|api)(?:/|$)', message: deterministic },
  // Types describe the activities for proxyActivities<T>(); only values would pull their code in.
  {
    regex: '^(?:\\.\\./)+activities(?:/|$)',
    allowTypeImports: true,
    message: `${deterministic} Import activity types only (import type).`,
  },
];

// Workflows decide only from their input and recorded activity results: adapter data a deploy can change (the
// catalog's capabilities) must not decide a running workflow on replay. Two adapter modules are workflow code
// themselves (plain data, fenced below like workflows/): the retry policies and the failure type names.
const workflowSafeAdapters = ['policies', 'error-types'];
const adapterBan = {
  regex: `^(?:\\.\\./)+adapters/(?!(?:${workflowSafeAdapters.join('|')})\\.js$)`,
  allowTypeImports: true,
  message: `Workflows decide from their input or recorded activity results, not from adapter data a deploy can change: import only adapters/{${workflowSafeAdapters.join(',')}}.js (types from anywhere).`,
};

const workflowGlobalBans = ['process', 'require', 'Buffer', 'fetch', 'setInterval', '__dirname', '__filename'].map(
  (name) => ({ name, message: deterministic }),
);

export default defineConfig(
  { ignores: ['node_modules/', 'generated/', 'dist/', '.data/', '.temporal/', '.radicale/', 'artifacts/'] },
  {
    files: ['**/*.{ts,mts,cts}'],
    extends: [tseslint.configs.recommended],
  },
  {
    files: ['api/dashboard/**/*.js'],
    extends: [tseslint.configs.recommended],
    languageOptions: { sourceType: 'module', globals: globals.browser },
    rules: { 'no-undef': 'error' },
  },
  {
    // bench/floor/workflow.ts is workflow code too (npm run bench:floor's minimal workflow).
    files: ['workflows/**/*.{ts,mts,cts}', 'bench/**/workflow.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...workflowImportBans, adapterBan] }],
      'no-restricted-globals': ['error', ...workflowGlobalBans],
    },
  },
  {
    // The adapter modules workflows import are workflow code too, and import no other adapter's values.
    files: workflowSafeAdapters.map((name) => `adapters/${name}.ts`),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...workflowImportBans,
            { regex: `^\\./(?!(?:${workflowSafeAdapters.join('|')})\\.js$)`, allowTypeImports: true, message: adapterBan.message },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...workflowGlobalBans],
    },
  },
);
