// Requests an adapter takes from its account quota ahead of sending them. A push that will list the platform's
// calendar and then write takes both at once: one round trip to the quota's table before the platform holds the
// change, not two. Prepaid requests are spent first. One the push did not need (the list showed the platform holds
// everything already) stays counted: castsync then paces itself one request early, never late.
import type { RequestBudget } from './types.js';

export class PrepaidRequests {
  private prepaid = 0;

  constructor(private readonly budget: RequestBudget | undefined) {}

  /** Takes `requests` from the quota now (waiting as take() does). */
  async prepay(requests: number): Promise<void> {
    await this.budget?.take(requests);
    this.prepaid += requests;
  }

  /** Takes one request: a prepaid one, else from the quota. */
  async take(): Promise<void> {
    if (this.prepaid > 0) {
      this.prepaid -= 1;
      return;
    }
    await this.budget?.take();
  }
}
