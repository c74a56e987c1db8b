// Random portal faults for hostile runs: what a real portal does to a long-lived automation now and then. A
// signed-in page finds the session expired or the user logged out (also on the first page after signing in,
// so a sign-in can land on the login page again), a page answers 503, a page is slow, the login page comes
// without its form. Rolls come from a seeded generator, so a run's faults can be replayed with the same seed
// (as far as the order of requests repeats). Tests switch them on with `portal.faults = { random: new
// RandomPortalFaults({ seed, ... }) }` and off with `portal.faults = {}`.

export interface RandomPortalFaultRates {
  /** Seed of the dice; the same seed and request order give the same faults. */
  seed: number;
  /** Probability that a signed-in page load finds the session expired (as if its TTL had passed). */
  expireRate?: number;
  /** Probability that the portal logs the user out on a signed-in page load and sends them to the login page. */
  logoutRate?: number;
  /** Probability that a page load is answered with a 503 error page. */
  errorRate?: number;
  /** Probability that a page is slow, and by how much (default 1.5 s; keep it below the adapter's step timeout). */
  slowRate?: number;
  slowMs?: number;
  /** Probability that the login page (shown or answered to a sign-in) comes without its form. */
  emptyLoginFormRate?: number;
}

/** What the dice did, for tests to check that the run was hostile. */
export interface RandomPortalFaultCounts {
  expired: number;
  loggedOut: number;
  errors: number;
  slow: number;
  emptyLoginForms: number;
}

export class RandomPortalFaults {
  readonly counts: RandomPortalFaultCounts = { expired: 0, loggedOut: 0, errors: 0, slow: 0, emptyLoginForms: 0 };
  private state: number;

  constructor(readonly rates: RandomPortalFaultRates) {
    this.state = rates.seed >>> 0;
  }

  /** A signed-in page load: 'expired', 'logout' or null (the session stays). */
  sessionFault(): 'expired' | 'logout' | null {
    if (this.roll(this.rates.expireRate)) {
      this.counts.expired += 1;
      return 'expired';
    }
    if (this.roll(this.rates.logoutRate)) {
      this.counts.loggedOut += 1;
      return 'logout';
    }
    return null;
  }

  /** Milliseconds to hold this page back (0: not slow). */
  slowness(): number {
    if (!this.roll(this.rates.slowRate)) return 0;
    this.counts.slow += 1;
    return this.rates.slowMs ?? 1500;
  }

  /** This page load is answered with a 503. */
  fails(): boolean {
    if (!this.roll(this.rates.errorRate)) return false;
    this.counts.errors += 1;
    return true;
  }

  /** This login page comes without its form. */
  emptiesLoginForm(): boolean {
    if (!this.roll(this.rates.emptyLoginFormRate)) return false;
    this.counts.emptyLoginForms += 1;
    return true;
  }

  private roll(rate: number | undefined): boolean {
    return !!rate && this.next() < rate;
  }

  /** mulberry32: small, fast, and good enough to spread faults; not for anything secret. */
  private next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
