// The portal's calendar page: a table of entries, each with its own delete form, and a form to add one.
// Every method expects a signed-in session and throws SessionLost when the portal shows its login page instead.
import { errorForStatus } from '../errors.js';
import { PORTAL_STATES, type PortalEntryInput, type PortalRow } from './calendar-entries.js';
import type { PortalTab } from './portal-tab.js';

export class CalendarPage {
  constructor(private readonly tab: PortalTab) {}

  /** Opens the calendar and reads its entries. */
  async open(): Promise<PortalRow[]> {
    await this.tab.openSignedIn(this.tab.site.calendarPath, 'opened the calendar');
    return this.rows();
  }

  /** The entries on the page the tab shows now (the portal returns to the calendar after every form). */
  async rows(): Promise<PortalRow[]> {
    const { tab } = this;
    const cells = { id: tab.selector('entryId'), from: tab.selector('entryFrom'), to: tab.selector('entryTo'), state: tab.selector('entryState'), comment: tab.selector('entryComment') };
    // One round trip for the whole table. This function runs in the page, so it declares no named helpers
    // (tsx and vitest would wrap them in a __name() call the page does not have).
    const rows = await tab.page.locator(tab.selector('entryRow')).evaluateAll(
      (elements, css) =>
        elements.map((row) => ({
          externalId: row.querySelector(css.id)?.getAttribute('value') ?? '',
          from: row.querySelector(css.from)?.textContent?.trim() ?? '',
          to: row.querySelector(css.to)?.textContent?.trim() ?? '',
          state: row.querySelector(css.state)?.textContent?.trim() ?? '',
          comment: row.querySelector(css.comment)?.textContent?.trim() ?? '',
        })),
      cells,
    );
    return rows.map((row) => ({ ...row, state: readState(row.state) }));
  }

  /** Adds an entry; answers the portal's reason when it refused the entry, null when it took it. */
  async add(entry: PortalEntryInput): Promise<string | null> {
    const { tab } = this;
    await tab.page.fill(tab.selector('addFrom'), entry.from);
    await tab.page.fill(tab.selector('addTo'), entry.to);
    await tab.page.selectOption(tab.selector('addState'), entry.state);
    await tab.page.fill(tab.selector('addComment'), entry.comment);
    const status = await tab.submit(tab.page.locator(tab.selector('addSubmit')), `added ${entry.from}..${entry.to}`);
    tab.assertSignedIn();
    if (status === 400 || status === 422) return tab.formErrors();
    if (status >= 400) throw errorForStatus(tab.site.name, status, await tab.formErrors());
    return null;
  }

  /** Deletes the entry with this id; an entry that is already gone counts as deleted. */
  async remove(externalId: string): Promise<void> {
    const { tab } = this;
    const row = tab.page.locator(tab.selector('entryRow')).filter({
      has: tab.page.locator(`${tab.selector('entryId')}[value="${externalId.replace(/["\\]/g, '\\$&')}"]`),
    });
    if ((await row.count()) === 0) return;
    const status = await tab.submit(row.first().locator(tab.selector('entryDelete')), `deleted entry ${externalId}`);
    tab.assertSignedIn();
    if (status >= 400 && status !== 404) throw errorForStatus(tab.site.name, status, await tab.formErrors());
  }
}

/** The page shows a label ("Blocked"); states are matched case-insensitively, unknown labels kept as shown. */
function readState(label: string): string {
  const state = label.trim().toLowerCase();
  return (PORTAL_STATES as readonly string[]).includes(state) ? state : label.trim();
}
