// The OAuth 2.0 authorization server's state, without HTTP: authorization codes, grants, access tokens and
// rotating refresh tokens. Rules follow RFC 6749, RFC 7636 (PKCE, S256 only) and the OAuth 2.0 Security BCP
// (RFC 9700): codes are single-use and short-lived, a refresh token works once, and a refresh token presented a
// second time means it was copied, so the whole grant (every token issued from it) is revoked.
import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** An error as the token endpoint answers it: `{"error": ..., "error_description": ...}` with an HTTP status. */
export class OAuthFailure extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(`${error}: ${description}`);
  }
}

export interface TokenSet {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

export interface Lifetimes {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  authorizationCodeTtlSeconds: number;
}

export type AccessCheck =
  | { ok: true; accountId: string; scope: string[] }
  | { ok: false; accountId: string | null; reason: string };

export interface CodeRequest {
  clientId: string;
  accountId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string[];
}

interface CodeRecord extends CodeRequest {
  expiresAt: number;
  /** Set once the code was exchanged, so a second exchange can revoke what the first one got. */
  grantId: string | null;
}

interface Grant {
  id: string;
  accountId: string;
  clientId: string;
  scope: string[];
  revoked: boolean;
}

interface AccessTokenRecord {
  grantId: string;
  expiresAt: number;
  revoked: boolean;
}

interface RefreshTokenRecord {
  grantId: string;
  used: boolean;
  expiresAt: number;
}

const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export class TokenAuthority {
  private readonly codes = new Map<string, CodeRecord>();
  private readonly grants = new Map<string, Grant>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();

  constructor(
    private readonly prefix: string,
    /** Read at each issuance, so a test can change token lifetimes between steps. */
    private readonly lifetimes: () => Lifetimes,
  ) {}

  issueCode(request: CodeRequest): string {
    const code = this.newToken('ac');
    const expiresAt = Date.now() + this.lifetimes().authorizationCodeTtlSeconds * 1000;
    this.codes.set(code, { ...request, expiresAt, grantId: null });
    return code;
  }

  /** grant_type=authorization_code. A failed PKCE check does not use the code up; only a good exchange does. */
  redeemCode(clientId: string, code: string, redirectUri: string, codeVerifier: string): { tokens: TokenSet; accountId: string } {
    const record = this.codes.get(code);
    if (!record || record.clientId !== clientId) throw new OAuthFailure('invalid_grant', 'unknown authorization code');
    if (record.grantId) {
      this.revokeGrant(record.grantId);
      throw new OAuthFailure('invalid_grant', 'authorization code already used; the tokens issued for it are revoked');
    }
    if (Date.now() >= record.expiresAt) throw new OAuthFailure('invalid_grant', 'authorization code expired');
    if (record.redirectUri !== redirectUri) throw new OAuthFailure('invalid_grant', 'redirect_uri differs from the authorization request');
    if (!VERIFIER.test(codeVerifier) || pkceChallenge(codeVerifier) !== record.codeChallenge) {
      throw new OAuthFailure('invalid_grant', 'code_verifier does not match the code_challenge');
    }
    const grant: Grant = { id: randomUUID(), accountId: record.accountId, clientId, scope: record.scope, revoked: false };
    this.grants.set(grant.id, grant);
    record.grantId = grant.id;
    return { tokens: this.issueTokens(grant), accountId: grant.accountId };
  }

  /** grant_type=refresh_token, with rotation. Returns the account too, so the simulator can count refreshes. */
  refresh(clientId: string, refreshToken: string): { tokens: TokenSet; accountId: string } {
    const record = this.refreshTokens.get(refreshToken);
    const grant = record && this.grants.get(record.grantId);
    if (!record || !grant || grant.clientId !== clientId) throw new OAuthFailure('invalid_grant', 'unknown refresh token');
    if (grant.revoked) throw new OAuthFailure('invalid_grant', 'the grant was revoked');
    if (record.used) {
      this.revokeGrant(grant.id);
      throw new OAuthFailure('invalid_grant', 'refresh token already used; the grant is revoked (possible token theft)');
    }
    if (Date.now() >= record.expiresAt) throw new OAuthFailure('invalid_grant', 'refresh token expired');
    record.used = true;
    return { tokens: this.issueTokens(grant), accountId: grant.accountId };
  }

  checkAccessToken(token: string): AccessCheck {
    const record = this.accessTokens.get(token);
    const grant = record && this.grants.get(record.grantId);
    if (!record || !grant) return { ok: false, accountId: null, reason: 'unknown access token' };
    if (grant.revoked || record.revoked) return { ok: false, accountId: grant.accountId, reason: 'the access token was revoked' };
    if (Date.now() >= record.expiresAt) return { ok: false, accountId: grant.accountId, reason: 'the access token expired' };
    return { ok: true, accountId: grant.accountId, scope: grant.scope };
  }

  /**
   * RFC 7009: a refresh token takes its whole grant with it; an access token only itself. Tokens that are unknown
   * or belong to another client are ignored (the endpoint answers 200 either way, so it reveals nothing).
   */
  revokeToken(clientId: string, token: string): void {
    const refresh = this.refreshTokens.get(token);
    const access = this.accessTokens.get(token);
    const grant = this.grants.get(refresh?.grantId ?? access?.grantId ?? '');
    if (!grant || grant.clientId !== clientId) return;
    if (refresh) this.revokeGrant(grant.id);
    else if (access) access.revoked = true;
  }

  /** The user removed castsync in the platform's settings: every grant of the account dies. */
  revokeGrantsOf(accountId: string): number {
    const grants = [...this.grants.values()].filter((g) => g.accountId === accountId && !g.revoked);
    for (const grant of grants) this.revokeGrant(grant.id);
    return grants.length;
  }

  /** Access tokens die early (a signing-key rotation, a password change) while refresh tokens stay good. */
  invalidateAccessTokensOf(accountId: string): void {
    for (const record of this.accessTokens.values()) {
      if (this.grants.get(record.grantId)?.accountId === accountId) record.revoked = true;
    }
  }

  /** Refresh tokens that would still work, for tests asserting which one the client kept. */
  liveRefreshTokens(accountId: string): string[] {
    const now = Date.now();
    return [...this.refreshTokens.entries()]
      .filter(([, r]) => !r.used && r.expiresAt > now && this.isLive(r.grantId, accountId))
      .map(([token]) => token);
  }

  grantsOf(accountId: string): { id: string; clientId: string; scope: string[]; revoked: boolean }[] {
    return [...this.grants.values()].filter((g) => g.accountId === accountId).map((g) => ({ ...g }));
  }

  private isLive(grantId: string, accountId: string): boolean {
    const grant = this.grants.get(grantId);
    return !!grant && grant.accountId === accountId && !grant.revoked;
  }

  private revokeGrant(grantId: string) {
    const grant = this.grants.get(grantId);
    if (grant) grant.revoked = true;
  }

  private issueTokens(grant: Grant): TokenSet {
    const { accessTokenTtlSeconds, refreshTokenTtlSeconds } = this.lifetimes();
    const now = Date.now();
    const accessToken = this.newToken('at');
    const refreshToken = this.newToken('rt');
    this.accessTokens.set(accessToken, { grantId: grant.id, expiresAt: now + accessTokenTtlSeconds * 1000, revoked: false });
    this.refreshTokens.set(refreshToken, { grantId: grant.id, used: false, expiresAt: now + refreshTokenTtlSeconds * 1000 });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: accessTokenTtlSeconds,
      refresh_token: refreshToken,
      scope: grant.scope.join(' '),
    };
  }

  private newToken(kind: string): string {
    return `${this.prefix}_${kind}_${randomBytes(24).toString('base64url')}`;
  }
}
