// Wanted's media API (/api/v2/media, scope media:write): a cursor-paged list, multipart uploads carrying our
// reference, delete, the main photo and the display order. The adapter's call refreshes the access token before it
// expires and once after a 401, re-sending the upload from disk; a refusal of the file (422, or 413 for too many
// bytes) is a non-retryable validation PlatformError with the platform's reason (adapters/http.ts).
import { isAlreadyGone, mediaUploadForm, toPlatformMediaItems, type ApiMediaItem } from '../api-media.js';
import type { HttpCall, MultipartForm } from '../http.js';
import type { MediaUpload, PlatformMediaItem, PlatformMediaOps } from '../types.js';

/** The adapter's call with a good access token, counted. */
export type OAuthCall = <T>(method: HttpCall['method'], path: string, json?: unknown, multipart?: MultipartForm) => Promise<T>;

const PAGE_SIZE = 100;

export class OAuthMediaOps implements PlatformMediaOps {
  constructor(private readonly call: OAuthCall) {}

  async listMedia(): Promise<PlatformMediaItem[]> {
    const items: ApiMediaItem[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) });
      const page: { items: ApiMediaItem[]; nextCursor: string | null } = await this.call('GET', `/api/v2/media?${query}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return toPlatformMediaItems(items);
  }

  async uploadMedia(upload: MediaUpload, onSent?: (bytesSent: number) => void): Promise<{ externalId: string }> {
    const item = await this.call<ApiMediaItem>('POST', '/api/v2/media', undefined, mediaUploadForm(upload, onSent));
    return { externalId: item.id };
  }

  async deleteMedia(externalId: string): Promise<void> {
    try {
      await this.call('DELETE', `/api/v2/media/${encodeURIComponent(externalId)}`);
    } catch (error) {
      if (!isAlreadyGone(error)) throw error;
    }
  }

  async setMainMedia(externalId: string): Promise<void> {
    await this.call('PUT', '/api/v2/media/main', { id: externalId });
  }

  async setMediaOrder(externalIds: string[]): Promise<void> {
    await this.call('PUT', '/api/v2/media/order', { ids: externalIds });
  }
}
