// Failure type names shared by adapters (which raise them), activities (which turn them into Temporal failures)
// and workflows (which read them). Pure constants: workflows import this.
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
} as const;

export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

export const NON_RETRYABLE_ERROR_TYPES: string[] = [ErrorType.auth, ErrorType.validation, ErrorType.client, ErrorType.notConnected];
