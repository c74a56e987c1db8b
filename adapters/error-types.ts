// Failure type names shared by adapters (which raise them), activities (which turn them into Temporal failures)
// and workflows (which read them). Pure constants: workflows import this, so eslint.config.js fences it like
// workflow code.
export const ErrorType = {
  network: 'PlatformNetworkError',
  timeout: 'PlatformTimeoutError',
  server: 'PlatformServerError',
  rateLimited: 'PlatformRateLimitedError',
  auth: 'PlatformAuthError',
  /** Signed out, or the sign-in did not go through for a reason other than a refusal of the credentials: retried. */
  session: 'PlatformSessionError',
  validation: 'PlatformValidationError',
  client: 'PlatformClientError',
  notConnected: 'PlatformNotConnectedError',
  /**
   * castsync's own count says the account's (or the deployment's) request quota is spent: the attempt waits for it
   * without asking the platform (lib/request-quotas.ts). Retried after that wait; not a failure of the connection.
   */
  quotaWait: 'QuotaWaitError',
} as const;

export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

export const NON_RETRYABLE_ERROR_TYPES: string[] = [ErrorType.auth, ErrorType.validation, ErrorType.client, ErrorType.notConnected];

/** Transient trouble a connect-time check met (activities/connection-check.ts): its message is the platform's, safe to show. */
export const CONNECTION_CHECK_TROUBLE = 'ConnectionCheckTrouble';
