// Calls to an OAuth platform's token and revocation endpoints, with form-encoded bodies (RFC 6749 section
// 4.1.3). Network errors, timeouts, 5xx and 429 become retryable PlatformErrors as for every HTTP call; an
// RFC 6749 error answer (400/401 with {"error": ...}) becomes an OAuthTokenError carrying the error code.
import type { PlatformEntry } from '../catalog.js';
import { ErrorType } from '../error-types.js';
import { PlatformError, errorForStatus } from '../errors.js';
import { httpText, type HttpText } from '../http.js';
import type { AuthData } from '../types.js';

export interface OAuthClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface TokenEndpointCall {
  platform: PlatformEntry;
  baseUrl: string;
  client: OAuthClientCredentials;
}

/** The platform refused a token request; `code` is the RFC 6749 error (invalid_grant, invalid_client, ...). */
export class OAuthTokenError extends PlatformError {
  constructor(
    platformName: string,
    readonly code: string,
    readonly description: string,
    status: number,
  ) {
    const type = ['invalid_grant', 'invalid_client', 'unauthorized_client'].includes(code) ? ErrorType.auth : ErrorType.client;
    super(type, `${platformName} refused the token request (${code}${description ? `: ${description}` : ''})`, false, { status });
  }
}

interface TokenAnswer {
  access_token?: unknown;
  token_type?: unknown;
  expires_in?: unknown;
  refresh_token?: unknown;
}


export function oauthSettings(platform: PlatformEntry): NonNullable<PlatformEntry['oauth']> {
  if (!platform.oauth) throw new Error(`${platform.name} has no OAuth settings in the catalog`);
  return platform.oauth;
}

/**
 * POSTs a grant to the token endpoint and returns the tokens as AuthData. A refresh answer may leave out the
 * refresh token (RFC 6749 section 6: the old one stays valid then), so `previousRefreshToken` fills it in.
 */
export async function requestTokens(call: TokenEndpointCall, grant: Record<string, string>, previousRefreshToken?: string): Promise<AuthData> {
  const requestedAt = Date.now();
  const answer = (await postForm(call, oauthSettings(call.platform).tokenPath, grant)) as TokenAnswer;
  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn, refresh_token: refreshToken } = answer;
  if (typeof accessToken !== 'string' || typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    throw errorForStatus(call.platform.name, 502, 'the token endpoint answered without a bearer access token');
  }
  const newRefreshToken = typeof refreshToken === 'string' ? refreshToken : previousRefreshToken;
  if (!newRefreshToken) throw errorForStatus(call.platform.name, 502, 'the token endpoint answered without a refresh token');
  return {
    accessToken,
    refreshToken: newRefreshToken,
    // Counted from when we asked, so a slow answer makes us refresh early rather than late.
    accessTokenExpiresAt: requestedAt + (typeof expiresIn === 'number' ? expiresIn : 3600) * 1000,
  };
}

/** RFC 7009; the platform answers 200 for unknown tokens too. */
export async function revokeToken(call: TokenEndpointCall, token: string, hint: 'refresh_token' | 'access_token'): Promise<void> {
  await postForm(call, oauthSettings(call.platform).revokePath, { token, token_type_hint: hint });
}

async function postForm(call: TokenEndpointCall, path: string, fields: Record<string, string>): Promise<unknown> {
  const { platform, baseUrl, client } = call;
  const answer = await httpText(platform, {
    method: 'POST',
    url: new URL(path, baseUrl).toString(),
    headers: { authorization: basicAuthorization(client) },
    form: fields,
  });
  return parseAnswer(platform, answer);
}

function parseAnswer(platform: PlatformEntry, { status, text, headers }: HttpText): unknown {
  const platformName = platform.name;
  const body = parseJson(text);
  if (status >= 200 && status < 300) {
    if (body === undefined) throw errorForStatus(platformName, 502, `invalid JSON in a ${status} answer`);
    return body;
  }
  const oauthError = (body as { error?: unknown; error_description?: unknown } | undefined) ?? {};
  if ((status === 400 || status === 401) && typeof oauthError.error === 'string') {
    const description = typeof oauthError.error_description === 'string' ? oauthError.error_description : '';
    throw new OAuthTokenError(platformName, oauthError.error, description, status);
  }
  throw errorForStatus(platform, status, text, headers);
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return undefined;
  }
}

/** RFC 6749 section 2.3.1: id and secret are form-encoded before they are joined. */
function basicAuthorization({ clientId, clientSecret }: OAuthClientCredentials): string {
  const formEncode = (text: string) => encodeURIComponent(text).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
}
