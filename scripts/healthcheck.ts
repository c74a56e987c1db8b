// node dist/scripts/healthcheck.js <url>: exit 0 when the URL answers 2xx within the time limit, 1 otherwise. For
// container healthchecks (the slim image has no curl): the API's /health, the worker's /health on its metrics port.
const TIMEOUT_MS = 5_000;

export async function checkHealth(url: string, timeoutMs = TIMEOUT_MS): Promise<{ ok: boolean; detail: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return { ok: response.ok, detail: `${url}: ${response.status}` };
  } catch (error) {
    return { ok: false, detail: `${url}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.argv[2];
  if (!url) {
    console.error('usage: healthcheck <url>');
    process.exit(2);
  }
  const { ok, detail } = await checkHealth(url);
  (ok ? console.log : console.error)(detail);
  process.exit(ok ? 0 : 1);
}
