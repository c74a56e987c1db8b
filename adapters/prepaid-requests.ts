// Requests an adapter takes from its account quota ahead of sending them. A push that will list the platform's
// calendar and then write takes both at once: one round trip to the quota's table before the platform holds the
// change, not two. Prepaid requests are spent first; what the push did not send (the list showed the platform holds
// everything already, or a request failed) is given back when it ends, so the count stays what was sent.
import type { RequestBudget } from './types.js';

export class PrepaidRequests {
  private prepaid = 0;

  constructor(private readonly budget: RequestBudget | undefined) {}

  /** Takes `requests` at once, runs `work` (whose requests spend them first), then gives back what it did not send. */
  async spending<T>(requests: number, work: () => Promise<T>): Promise<T> {
    await this.budget?.take(requests);
    this.prepaid += requests;
    try {
      return await work();
    } finally {
      await this.giveBackUnsent();
    }
  }

  /** Takes one request: a prepaid one, else from the quota. */
  async take(): Promise<void> {
    if (this.prepaid > 0) {
      this.prepaid -= 1;
      return;
    }
    await this.budget?.take();
  }

  private async giveBackUnsent(): Promise<void> {
    const unsent = this.prepaid;
    this.prepaid = 0;
    // Not given back (the database is away): it stays counted, and castsync paces itself early, never late.
    if (unsent > 0) await this.budget?.giveBack?.(unsent).catch(() => undefined);
  }
}
