// Filmmakers' webhooks, sent by the portal simulator as the platform's documentation describes them
// (docs/webhooks.md of the platform's public API documentation repository). An account subscribes a URL
// (subscribe); the portal calls updated() when the account's profile or pictures change and deleted() when the
// profile is removed.
import { createHmac } from 'node:crypto';

export type WebhookEventType = 'actor_profile.updated' | 'actor_profile.deleted';

/** docs/webhooks.md: "an Event object with a type, timestamp, and related Filmmakers resource nested under data". */
export interface WebhookEvent {
  type: WebhookEventType;
  created: number;
  data: { id: number };
}

export interface WebhookSubscriber {
  /** The actor profile's id (data.id). */
  profileId: string;
  /** docs/webhooks.md: "The API key is used as the secret to sign webhook events." */
  apiKey: string;
}

export interface WebhookOptions {
  /**
   * docs/webhooks.md: "update events are grouped if they occur within a reasonable timeframe". Updates within this
   * long of the first one go out as one event; default 1 s.
   */
  groupWindowMs?: number;
  /** docs/webhooks.md: "retried with exponential backoff": the first pause, doubled each time; default 500 ms. */
  retryInitialMs?: number;
  /** Attempts per event (the first included) before it is dropped; default 8. */
  maxAttempts?: number;
  /** docs/webhooks.md: retried "if a response isn't sent within a reasonable time": this long; default 5 s. */
  responseTimeoutMs?: number;
  /**
   * docs/webhooks.md: "HTTPS URLs are required for all webhook endpoints". The simulator runs beside local test
   * servers, so plain http:// is allowed unless this is true.
   */
  requireHttps?: boolean;
}

export interface WebhookDeliveryRecord {
  url: string;
  event: WebhookEvent;
  attempt: number;
  /** The answer's status, or null when none came (refused, timed out). */
  status: number | null;
}

/** The header docs/webhooks.md shows: "X-Signature: t=1492774577, v1=<hex>", HMAC-SHA256 of "<t>.<body>". */
export function filmmakersSignature(apiKey: string, t: number, body: string): string {
  return `t=${t}, v1=${createHmac('sha256', apiKey).update(`${t}.${body}`).digest('hex')}`;
}

export class PortalWebhooks {
  /** Every attempt, in order, for tests to read. */
  readonly deliveries: WebhookDeliveryRecord[] = [];
  private readonly urls = new Map<string, string>();
  /** Accounts with an update event waiting out the group window. */
  private readonly grouping = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly subscriberOf: (email: string) => WebhookSubscriber | null,
    private readonly options: WebhookOptions = {},
  ) {}

  /** The account's webhook endpoint (docs/webhooks.md: "an endpoint on your server"); null unsubscribes. */
  subscribe(email: string, url: string | null): void {
    const key = email.toLowerCase();
    if (url === null) return void this.urls.delete(key);
    if (this.options.requireHttps && !url.startsWith('https://')) throw new Error('docs/webhooks.md: HTTPS URLs are required for all webhook endpoints');
    this.urls.set(key, url);
  }

  /** The profile or its pictures changed: one actor_profile.updated per group window. */
  updated(email: string): void {
    const key = email.toLowerCase();
    if (this.stopped || !this.urls.has(key) || this.grouping.has(key)) return;
    const timer = setTimeout(() => {
      this.grouping.delete(key);
      this.send(key, 'actor_profile.updated');
    }, this.options.groupWindowMs ?? 1000);
    this.grouping.set(key, timer);
  }

  /** The profile was deleted: sent at once; an update still grouping is dropped (nothing is left to read). */
  deleted(email: string): void {
    const key = email.toLowerCase();
    clearTimeout(this.grouping.get(key));
    this.grouping.delete(key);
    if (!this.stopped && this.urls.has(key)) this.send(key, 'actor_profile.deleted');
  }

  /** Until every event waiting or in flight is delivered or given up (tests). */
  async settled(): Promise<void> {
    while (this.grouping.size || this.inFlight.size || this.timers.size) {
      await Promise.allSettled([...this.inFlight]);
      if (this.grouping.size || this.timers.size) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of [...this.grouping.values(), ...this.timers]) clearTimeout(timer);
    this.grouping.clear();
    this.timers.clear();
  }

  private send(key: string, type: WebhookEventType): void {
    const url = this.urls.get(key);
    const subscriber = this.subscriberOf(key);
    if (!url || !subscriber) return;
    const event: WebhookEvent = { type, created: Math.floor(Date.now() / 1000), data: { id: Number(subscriber.profileId) } };
    this.attempt(url, subscriber.apiKey, event, 1);
  }

  private attempt(url: string, apiKey: string, event: WebhookEvent, attempt: number): void {
    const delivery = this.post(url, apiKey, event).then((status) => {
      this.deliveries.push({ url, event, attempt, status });
      if (status === 200) return;
      // docs/webhooks.md: "the event is retried with exponential backoff". The doc does not say whether a retry is
      // signed anew; it is here (a fresh t), so a retry is never refused as stale. The body, and with it the event,
      // stays the same.
      if (this.stopped || attempt >= (this.options.maxAttempts ?? 8)) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.attempt(url, apiKey, event, attempt + 1);
      }, (this.options.retryInitialMs ?? 500) * 2 ** (attempt - 1));
      this.timers.add(timer);
    });
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  /** One POST; the answer's status, or null when none came in time. */
  private async post(url: string, apiKey: string, event: WebhookEvent): Promise<number | null> {
    const body = JSON.stringify(event);
    const t = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': filmmakersSignature(apiKey, t, body) },
        body,
        signal: AbortSignal.timeout(this.options.responseTimeoutMs ?? 5000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return null;
    }
  }
}
