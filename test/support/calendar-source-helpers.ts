// What the calendar source tests (ICS and CalDAV) do alike: call /api/calendars as a user, wait for a source's next
// read, list what a source brought in, and wait for its schedule's runs to end.
import { expect } from 'vitest';
import { calendarScheduleId } from '../../workflows/plumbing.js';
import { waitFor, type Stack, type TestUser } from './stack.js';

/** `stackOf`: the test file's stack, made in its beforeAll. */
export function calendarSourceHelpers(stackOf: () => Stack) {
  const api = (user: TestUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    stackOf().app.inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });

  const source = async (user: TestUser, id: string) => (await api(user, 'GET', `/api/calendars/${id}`)).json();

  /** The source once a read after `since` was recorded. */
  const readAfter = (user: TestUser, id: string, since: string | null) =>
    waitFor(async () => {
      const s = await source(user, id);
      return s.lastFetchedAt && s.lastFetchedAt !== since ? s : null;
    }, { what: 'the calendar to be read' });

  const importedEntries = async (userId: string, sourceId: string) =>
    stackOf().db.availability.findMany({ where: { userId, calendarSourceId: sourceId, deletedAt: null }, orderBy: { startDate: 'asc' } });

  /** Waits until every workflow the source's schedule started has ended, and returns the last one's result. */
  async function lastRunResult(sourceId: string) {
    const { temporal } = stackOf();
    const description = await temporal.schedule.getHandle(calendarScheduleId(sourceId)).describe();
    const runs = description.info.recentActions.map((a) => a.action.workflow.workflowId);
    expect(runs.length).toBeGreaterThan(0);
    let result: unknown;
    for (const workflowId of runs) result = await temporal.workflow.getHandle(workflowId).result();
    return result as { status: string; error?: string };
  }

  return { api, source, readAfter, importedEntries, lastRunResult };
}
