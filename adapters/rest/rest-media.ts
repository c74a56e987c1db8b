// e-TALENTA's media API (/v1/media): a page-numbered list, multipart uploads carrying our reference, delete, the
// main photo and the display order. The platform judges each file by its content; a refusal (422, or 413 for too
// many bytes) comes back as a non-retryable validation PlatformError with the platform's reason (adapters/http.ts).
import { isAlreadyGone, mediaUploadForm, toPlatformMediaItems, type ApiMediaItem } from '../api-media.js';
import type { HttpCall, MultipartForm } from '../http.js';
import type { MediaUpload, PlatformMediaItem, PlatformMediaOps } from '../types.js';

/** The adapter's authenticated, counted API call. */
export type RestCall = <T>(method: HttpCall['method'], path: string, json?: unknown, multipart?: MultipartForm) => Promise<T>;

const PAGE_SIZE = 200;

export class RestMediaOps implements PlatformMediaOps {
  constructor(private readonly call: RestCall) {}

  async listMedia(): Promise<PlatformMediaItem[]> {
    const items: ApiMediaItem[] = [];
    for (let page = 1; ; page += 1) {
      const body = await this.call<{ items: ApiMediaItem[]; nextPage: number | null }>('GET', `/v1/media?page=${page}&perPage=${PAGE_SIZE}`);
      items.push(...body.items);
      if (!body.nextPage) return toPlatformMediaItems(items);
    }
  }

  async uploadMedia(upload: MediaUpload, onSent?: (bytesSent: number) => void): Promise<{ externalId: string }> {
    const item = await this.call<ApiMediaItem>('POST', '/v1/media', undefined, mediaUploadForm(upload, onSent));
    return { externalId: item.id };
  }

  async deleteMedia(externalId: string): Promise<void> {
    try {
      await this.call('DELETE', `/v1/media/${encodeURIComponent(externalId)}`);
    } catch (error) {
      if (!isAlreadyGone(error)) throw error;
    }
  }

  async setMainMedia(externalId: string): Promise<void> {
    await this.call('PUT', '/v1/media/main', { id: externalId });
  }

  async setMediaOrder(externalIds: string[]): Promise<void> {
    await this.call('PUT', '/v1/media/order', { ids: externalIds });
  }
}
