// The gateway's log (pino, through Fastify): JSON lines, with secrets and personal data removed by configuration
// rather than by every log call remembering to. Secrets reach a log in three ways: headers (bearer token, session
// cookie), URLs (the ICS feed's ?token=, an OAuth callback's ?code= and ?state=, the codec path's operator
// token), and objects logged with an error (credentials, tokens, passwords in any field of that name).
import type { FastifyRequest } from 'fastify';

const SECRET_FIELDS = ['apiKey', 'password', 'partnerApiToken', 'accessToken', 'refreshToken', 'clientSecret', 'token', 'codeVerifier', 'credentials', 'email', 'agencyEmail'];

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

const SECRET_QUERY = /([?&](?:token|code|state|access_token|refresh_token)=)[^&#]*/gi;
const CODEC_PATH_TOKEN = /^\/codec\/(?!encode$|decode$)[^/?]+/;

/** The URL as it may be logged: secret query values and the codec path's token replaced. */
export const redactUrl = (url: string) => url.replace(SECRET_QUERY, '$1[Redacted]').replace(CODEC_PATH_TOKEN, '/codec/[Redacted]');

export function gatewayLoggerOptions(level: string) {
  return {
    level,
    redact: { paths: redactPaths, censor: '[Redacted]' },
    serializers: {
      req: (request: FastifyRequest) => ({ method: request.method, url: redactUrl(request.url), reqId: request.id, remoteAddress: request.ip }),
    },
  };
}
