// The portal's media page: the account's photos and videos, each with its own forms (make main; delete, or hide
// and show where the portal cannot delete, like Casting Networks), and an upload form with a file input and the
// photographer's credit. The portal keeps nothing of ours but the file name, so an item's reference is read from
// it (media-reference.ts). Every method expects a signed-in session and throws SessionLost when the portal shows
// its login page instead; the caller signs in and calls again, so each method first looks at what the page shows.
import { ErrorType } from '../error-types.js';
import { PlatformError } from '../errors.js';
import { parseMediaRef } from '../media-reference.js';
import type { MediaRef, PlatformMediaItem, PlatformMediaType } from '../types.js';
import { STEP_TIMEOUT_MS, type PortalTab, type SelectorName } from './portal-tab.js';

/** A file on disk, already named as the portal should keep it. */
export interface MediaFileToSend {
  path: string;
  fileName: string;
  ref: MediaRef;
  bytes: number;
  credit: string;
}

/** The slowest upload we wait for before calling the portal down: 1 MiB a second, on top of one page's wait. */
const SLOWEST_UPLOAD_BYTES_PER_MS = 1024 * 1024 / 1000;
/** The browser reports no upload progress, so a long upload heartbeats on a timer, well inside the 30 s timeout. */
const UPLOAD_HEARTBEAT_MS = 10_000;

export class MediaPage {
  constructor(private readonly tab: PortalTab) {}

  /** Opens the media page and reads its items. */
  async open(): Promise<PlatformMediaItem[]> {
    await this.tab.openSignedIn(this.mediaPath(), 'opened the media page');
    return this.items();
  }

  /** The items on the page the tab shows now (the portal returns to the media page after every form). */
  async items(): Promise<PlatformMediaItem[]> {
    const { tab } = this;
    const css = {
      id: tab.selector('mediaId'),
      fileName: tab.selector('mediaFileName'),
      thumbnail: tab.selector('mediaThumbnail'),
      main: tab.selector('mediaMainMarker'),
      hidden: tab.optionalSelector('mediaHiddenMarker') ?? null,
    };
    // Runs in the page: no named helpers (see CalendarPage.rows). Every form of an item carries its id.
    const rows = await tab.page.locator(tab.selector('mediaItem')).evaluateAll(
      (elements, s) =>
        elements.map((item) => ({
          externalId: item.querySelector(s.id)?.getAttribute('value') ?? '',
          fileName: item.querySelector(s.fileName)?.textContent?.trim() ?? '',
          video: item.querySelector(s.thumbnail)?.tagName.toLowerCase() === 'video',
          main: item.querySelector(s.main) !== null,
          hidden: s.hidden ? item.querySelector(s.hidden) !== null : false,
        })),
      css,
    );
    // An item without forms (a video still being processed, say) cannot be changed, so it is not listed.
    return rows.filter((row) => row.externalId).map((row) => ({
      externalId: row.externalId,
      ref: parseMediaRef(row.fileName),
      type: mediaTypeOf(row.video, row.fileName),
      fileName: row.fileName,
      isMain: row.main,
      hidden: row.hidden,
    }));
  }

  /**
   * Uploads the file unless the page already shows it (an earlier call got as far as the upload before the session
   * ended); a copy this portal hid is shown again instead. Answers the item's id on the portal.
   */
  async upload(file: MediaFileToSend, onSent?: (bytesSent: number) => void): Promise<string> {
    const { tab } = this;
    const before = await this.open();
    const present = before.find((item) => sameRef(item.ref, file.ref));
    if (present && !present.hidden) return present.externalId;
    if (present && tab.optionalSelector('mediaShow')) {
      await this.submitItemForm(present.externalId, 'mediaShow', `showed ${file.fileName} again`);
      return present.externalId;
    }
    await tab.page.setInputFiles(tab.selector('uploadFile'), file.path);
    await tab.page.fill(tab.selector('uploadCredit'), file.credit);
    onSent?.(0);
    const status = await this.whileReporting(`uploading ${file.fileName}`, () =>
      tab.submit(tab.page.locator(tab.selector('uploadSubmit')), `uploaded ${file.fileName}`, STEP_TIMEOUT_MS + Math.ceil(file.bytes / SLOWEST_UPLOAD_BYTES_PER_MS)),
    );
    tab.assertSignedIn();
    if (status >= 400) throw await tab.formFailure(status, `the upload of ${file.fileName}`);
    onSent?.(file.bytes);
    const known = new Set(before.map((item) => item.externalId));
    const added = (await this.items()).filter((item) => !known.has(item.externalId) && sameRef(item.ref, file.ref)).at(-1);
    if (!added) throw this.pageChanged(`took ${file.fileName} but its media page does not show it`);
    return added.externalId;
  }

  /** Deletes the item, or hides it where the portal cannot delete; an item already gone (or hidden) is done. */
  async remove(externalId: string): Promise<void> {
    const item = (await this.open()).find((i) => i.externalId === externalId);
    if (!item || item.hidden) return;
    const canDelete = Boolean(this.tab.optionalSelector('mediaDelete'));
    await this.submitItemForm(externalId, canDelete ? 'mediaDelete' : 'mediaHide', `${canDelete ? 'deleted' : 'hid'} media ${externalId}`);
  }

  async makeMain(externalId: string): Promise<void> {
    const item = (await this.open()).find((i) => i.externalId === externalId);
    if (!item) throw new PlatformError(ErrorType.client, `${this.tab.site.name} shows no media item ${externalId} to make the main photo`, false);
    if (item.isMain) return;
    await this.submitItemForm(externalId, 'mediaMakeMain', `made media ${externalId} the main photo`);
  }

  /** Presses one of an item's buttons. The portal answering 404 means the item went meanwhile: nothing left to do. */
  private async submitItemForm(externalId: string, button: SelectorName, step: string): Promise<void> {
    const { tab } = this;
    const item = tab.page.locator(tab.selector('mediaItem')).filter({
      has: tab.page.locator(`${tab.selector('mediaId')}[value="${externalId.replace(/["\\]/g, '\\$&')}"]`),
    });
    const target = item.first().locator(tab.selector(button));
    if ((await target.count()) === 0) throw this.pageChanged(`shows media ${externalId} without its ${button} button`);
    const status = await tab.submit(target, step);
    tab.assertSignedIn();
    if (status >= 400 && status !== 404) throw await tab.formFailure(status, `to change media ${externalId}`);
  }

  /** Reports progress every few seconds while `step` runs (a large upload is one long page load). */
  private async whileReporting<T>(detail: string, step: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => this.tab.report(`${detail}: still sending`), UPLOAD_HEARTBEAT_MS);
    try {
      return await step();
    } finally {
      clearInterval(timer);
    }
  }

  private mediaPath(): string {
    const path = this.tab.site.mediaPath;
    if (!path) throw new Error(`the catalog names no media page for ${this.tab.site.name}`);
    return path;
  }

  /** The page no longer matches the catalog's selectors: trying again will not help until someone looks. */
  private pageChanged(detail: string): PlatformError {
    return new PlatformError(ErrorType.client, `${this.tab.site.name} ${detail}; the page may have changed (check the catalog's selectors)`, false);
  }
}

function mediaTypeOf(video: boolean, fileName: string): PlatformMediaType {
  if (video) return 'video';
  return /\.pdf$/i.test(fileName) ? 'document' : 'photo';
}

function sameRef(a: MediaRef | null, b: MediaRef): boolean {
  return a !== null && a.mediaId === b.mediaId && a.variantHash === b.variantHash;
}
