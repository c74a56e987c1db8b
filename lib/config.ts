// Every environment variable castsync reads is read here (the README lists them).
import { hkdfSync } from 'node:crypto';
import path from 'node:path';
import { projectRoot } from './paths.js';
import { isPlatformId, platformIds } from '../adapters/catalog.js';
import type { PlatformEntry } from '../adapters/catalog-types.js';
import { assertProductionReady, ConfigError, enabledPlatforms, isProduction, platformVariable } from './production-settings.js';

export { ConfigError };

export interface Config {
  /** NODE_ENV or CASTSYNC_ENV is "production": no development defaults (lib/production-settings.ts). */
  production: boolean;
  /** Platform ids this deployment offers (CASTSYNC_PLATFORMS; in development the whole catalog). */
  enabledPlatforms: string[];
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl: string;
  apiHost: string;
  apiPort: number;
  dataDir: string;
  /** Failure artifacts (screenshots, page HTML) of browser platforms; SyncLog.artifactPath is relative to it. */
  artifactsDir: string;
  /** key id -> 32-byte key, for credentials at rest. */
  masterKeys: Map<string, Buffer>;
  activeKeyId: string;
  maxRangeDays: number;
  bodyLimitBytes: number;
  /** Pause before a follow-up push for changes made during a push (coalescing bursts). */
  syncCoalesceMs: number;
  /** First and longest pause before a platform that stayed down past its retry window is pushed again. */
  redriveInitialMs: number;
  redriveMaxMs: number;
  /** Run the outbox relay inside the gateway (default); off when relays run on their own (npm run relay). */
  relayInProcess: boolean;
  /** How often a relay looks for outbox rows that no hand-off delivered (a relay that died, Temporal down). */
  relaySweepMs: number;
  /** Longest wait for Temporal in a gateway request (queries, health); past it the database's view answers. */
  temporalRequestTimeoutMs: number;
  /**
   * How long a connect waits for a worker to take its credential check (lib/connection-checks.ts); past it the
   * connect answers 503 (no worker polls the platform's task queue, or all are busy).
   */
  connectCheckPickupMs: number;
  /** Platform id -> base URL (CASTSYNC_PLATFORM_URL_<ID>); the only source of a platform's address. */
  platformUrls: Record<string, string>;
  /** OAuth platform id -> our client registration there. */
  oauthClients: Record<string, { clientId: string; clientSecret: string }>;
  /** Where OAuth platforms send the user back to: <publicUrl>/api/platforms/<id>/callback. */
  publicUrl: string;
  /** Chromium for browser-automation platforms. */
  chromiumPath: string;
  logLevel: string;
  /** OTLP/HTTP endpoint for traces (OTEL_EXPORTER_OTLP_ENDPOINT); tracing is off without it. */
  otlpEndpoint: string | null;
  /** Uploaded media (content-addressed) and their per-platform variants: <dataDir>/media. */
  mediaDir: string;
  /** Largest upload, in bytes (videos included). */
  mediaMaxBytes: number;
  /** Largest image, in pixels (width × height); sharp refuses bigger ones before decoding (decompression bombs). */
  mediaMaxPixels: number;
  /** Most media (not deleted) one user may keep, and their most bytes together. */
  mediaMaxPerUser: number;
  mediaMaxBytesPerUser: number;
  /** Longest time a request's body may take to arrive (408 past it); uploads (POST /api/media) get their own. */
  bodyTimeoutMs: number;
  uploadTimeoutMs: number;
  /** Requests per minute (api/rate-limits.ts); null: no rate limits (CASTSYNC_RATE_LIMIT=off, e.g. for benchmarks). */
  rateLimits: RateLimits | null;
  /**
   * Which proxies in front of the gateway to believe about the client's address (X-Forwarded-For), as Fastify's
   * trustProxy takes it: false (the socket's address), true, addresses and CIDRs, or the number of hops to trust.
   */
  trustProxy: boolean | string | ((address: string, hop: number) => boolean);
  /**
   * A media push's time limit grows with its work (activities/media-push-plan.ts): base (null: the connection
   * kind's own startToCloseTimeout) + per item + the bytes at the slowest upload rate we accept.
   */
  mediaPushBaseMs: number | null;
  mediaPushItemMs: number;
  mediaPushBytesPerSecond: number;
  /** key id -> 32-byte key for Temporal payloads (lib/payload-codec.ts); derived from masterKeys unless set. */
  payloadKeys: Map<string, Buffer>;
  payloadActiveKeyId: string;
  /** Bearer token of the codec server route (/codec); null: the route is off. */
  operatorToken: string | null;
  /** Port of the worker's /metrics (prom-client); null: off. */
  workerMetricsPort: number | null;
  /** host:port where the Temporal SDK's runtime serves its own Prometheus metrics; null: off. */
  temporalMetricsAddress: string | null;
  /** Self-service sign-up with e-mail and password (CASTSYNC_SIGNUP=on); off: accounts come from the CLI only. */
  signupEnabled: boolean;
  /** smtp:// or smtps://user:pass@host:port relay for castsync's own mail (sign-up links); null: none. */
  smtpUrl: string | null;
  /** From address of castsync's own mail. */
  mailFrom: string;
  /**
   * Platform webhooks (api/routes/filmmakers-webhooks.ts): a signature whose timestamp is further than this from
   * now, either way, is refused as a replay (CASTSYNC_WEBHOOK_TOLERANCE_SECONDS, default 300).
   */
  webhookToleranceSeconds: number;
  /** Calendar sources (lib/calendar-sources.ts): how often each is read, and the limits of one fetch. */
  calendarRefreshMinutes: number;
  calendarMaxBytes: number;
  calendarTimeoutMs: number;
  /** Hosts whose calendar feeds may be read over plain http (CASTSYNC_CALENDAR_HTTP_HOSTS): local servers, tests; none by default. */
  calendarHttpHosts: string[];
  /**
   * Per platform id, activity starts per second for the whole deployment (CASTSYNC_DISPATCH_PER_SECOND_<ID>),
   * replacing the catalog's dispatch.activitiesPerSecond: the operator's SMTP relay or an agreement with a platform
   * may allow more, or less. Read through platformDispatch().
   */
  dispatchPerSecond: Record<string, number>;
  /**
   * Request quotas castsync keeps to itself (lib/request-quotas.ts). Per platform id, an account quota that replaces
   * the catalog's accountRateLimit (CASTSYNC_ACCOUNT_QUOTA_<ID>="<requests>/<seconds>", or "off": null).
   */
  accountQuotas: Record<string, Quota | null>;
  /** Per platform id, the deployment-wide partner-API limit replacing the catalog's (CASTSYNC_API_QUOTA_<ID>). */
  apiQuotas: Record<string, Quota>;
  /** Percent of each quota castsync leaves unspent, for other clients of the account and clock differences (default 5). */
  quotaHeadroomPercent: number;
  /** Longest wait for a quota inside an attempt; past it the attempt ends and is retried when the quota has room (default 20 s). */
  quotaInlineWaitMs: number;
}

export interface Quota {
  requests: number;
  perSeconds: number;
}

export interface RateLimits {
  /** Per API token or session (its hash), and per address for requests without one (the ICS feed among them). */
  perToken: number;
  perAddress: number;
  /** Failed authentications (401, unknown feed token) per address; past it every request of the address is refused. */
  authFailures: number;
  /** Sign-ins (POST /app/session) per address, uploads (POST /api/media) per token. */
  signIn: number;
  uploads: number;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

/** CASTSYNC_MASTER_KEYS="k1:<base64 32 bytes>,k2:<base64 32 bytes>"; the active one is CASTSYNC_ACTIVE_KEY_ID or the last. */
export function parseMasterKeys(raw: string | undefined, variable = 'CASTSYNC_MASTER_KEYS'): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const part of (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [id, b64] = part.split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!id || key.length !== 32) throw new ConfigError(`${variable}: each entry must be "<id>:<base64 of 32 bytes>"`);
    keys.set(id, key);
  }
  return keys;
}

/** Values of CASTSYNC_<PREFIX>_<PLATFORM_ID> variables, keyed by platform id (JOB_WORK -> job-work). */
function perPlatform(env: NodeJS.ProcessEnv, prefix: string): Record<string, string> {
  const values: Record<string, string> = {};
  const pattern = new RegExp(`^CASTSYNC_${prefix}_([A-Z0-9_]+)$`);
  for (const [name, value] of Object.entries(env)) {
    const match = pattern.exec(name);
    if (match && value) values[match[1]!.toLowerCase().replace(/_/g, '-')] = value;
  }
  return values;
}

/** CASTSYNC_ACCOUNT_QUOTA_<ID>, CASTSYNC_API_QUOTA_<ID> ("<requests>/<seconds>"), the headroom and the inline wait. */
function quotaSettings(env: NodeJS.ProcessEnv) {
  const parse = (prefix: string, platformId: string, raw: string, offAllowed: boolean): Quota | null => {
    if (offAllowed && raw === 'off') return null;
    const match = /^(\d+)\/(\d+)$/.exec(raw.trim());
    const variable = `CASTSYNC_${prefix}_${platformId.toUpperCase().replace(/-/g, '_')}`;
    if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
      throw new ConfigError(`${variable} must be "<requests>/<seconds>" such as "300/300"${offAllowed ? ' or "off"' : ''}, got "${raw}"`);
    }
    return { requests: Number(match[1]), perSeconds: Number(match[2]) };
  };
  const accountQuotas = Object.fromEntries(Object.entries(perPlatform(env, 'ACCOUNT_QUOTA')).map(([id, raw]) => [id, parse('ACCOUNT_QUOTA', id, raw, true)]));
  const apiQuotas = Object.fromEntries(Object.entries(perPlatform(env, 'API_QUOTA')).map(([id, raw]) => [id, parse('API_QUOTA', id, raw, false)!]));
  const quotaHeadroomPercent = int(env, 'CASTSYNC_QUOTA_HEADROOM', 5);
  if (quotaHeadroomPercent > 90) throw new ConfigError(`CASTSYNC_QUOTA_HEADROOM is a percent of each quota left unspent, at most 90, got ${quotaHeadroomPercent}`);
  return { accountQuotas, apiQuotas, quotaHeadroomPercent, quotaInlineWaitMs: int(env, 'CASTSYNC_QUOTA_INLINE_WAIT_MS', 20_000) };
}

/** CASTSYNC_DISPATCH_PER_SECOND_<ID>="<starts per second>" for a platform of the catalog. */
function dispatchSettings(env: NodeJS.ProcessEnv): Record<string, number> {
  const settings: Record<string, number> = {};
  for (const [platformId, raw] of Object.entries(perPlatform(env, 'DISPATCH_PER_SECOND'))) {
    const variable = platformVariable('DISPATCH_PER_SECOND', platformId);
    if (!isPlatformId(platformId)) throw new ConfigError(`${variable} names no platform of the catalog (known: ${platformIds.join(', ')})`);
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 1000) throw new ConfigError(`${variable} must be a whole number of activity starts per second from 1 to 1000, got "${raw}"`);
    settings[platformId] = value;
  }
  return settings;
}

/** A platform's dispatch limits in this deployment: the catalog's, with CASTSYNC_DISPATCH_PER_SECOND_<ID> applied. */
export function platformDispatch(config: Pick<Config, 'dispatchPerSecond'>, platform: PlatformEntry): PlatformEntry['dispatch'] {
  return { ...platform.dispatch, activitiesPerSecond: config.dispatchPerSecond[platform.id] ?? platform.dispatch.activitiesPerSecond };
}

/** CASTSYNC_OAUTH_CLIENT_<ID>="client-id:client-secret" (npm start and the tests pass the simulators' client). */
function oauthClients(env: NodeJS.ProcessEnv) {
  const clients: Record<string, { clientId: string; clientSecret: string }> = {};
  for (const [platformId, value] of Object.entries(perPlatform(env, 'OAUTH_CLIENT'))) {
    const separator = value.indexOf(':');
    if (separator < 1) throw new ConfigError(`CASTSYNC_OAUTH_CLIENT_${platformId.toUpperCase()} must be "client-id:client-secret"`);
    clients[platformId] = { clientId: value.slice(0, separator), clientSecret: value.slice(separator + 1) };
  }
  return clients;
}

/**
 * CASTSYNC_PAYLOAD_KEYS (same format as the master keys), else one key per master key derived with HKDF: a
 * separate key per purpose, so decoding Temporal payloads (the codec server) never holds a credential key.
 */
function payloadKeys(env: NodeJS.ProcessEnv, masterKeys: Map<string, Buffer>): Map<string, Buffer> {
  if (env.CASTSYNC_PAYLOAD_KEYS) return parseMasterKeys(env.CASTSYNC_PAYLOAD_KEYS, 'CASTSYNC_PAYLOAD_KEYS');
  const derive = (key: Buffer) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'castsync temporal payloads', 32));
  return new Map([...masterKeys].map(([id, key]) => [id, derive(key)]));
}

/**
 * loadConfig for a process's entry point: a ConfigError (a missing production setting, a malformed value) is
 * printed as it is, without a stack trace, and the process exits with status 1.
 */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`castsync: configuration error: ${error.message}`);
    process.exit(1);
  }
}

function activeKeyId(keys: Map<string, Buffer>, chosen: string | undefined, variable: string): string {
  const id = chosen ?? [...keys.keys()].at(-1) ?? '';
  if (keys.size && !keys.has(id)) throw new ConfigError(`${variable} "${id}" is not among the configured keys`);
  return id;
}

/** CASTSYNC_TRUST_PROXY: unset or "false", "true", a hop count, or "10.0.0.0/8,192.168.1.7". */
function trustProxy(raw: string | undefined): Config['trustProxy'] {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return (_address, hop) => hop < hops;
  }
  if (!/^[0-9A-Fa-f.:/]+(,[0-9A-Fa-f.:/]+)*$/.test(value.replace(/\s/g, ''))) {
    throw new ConfigError(`CASTSYNC_TRUST_PROXY must be true, false, a hop count or addresses/CIDRs separated by commas, got "${raw}"`);
  }
  return value.replace(/\s/g, '');
}

function rateLimits(env: NodeJS.ProcessEnv): RateLimits | null {
  if (env.CASTSYNC_RATE_LIMIT === 'off') return null;
  return {
    perToken: int(env, 'CASTSYNC_RATE_LIMIT_PER_TOKEN', 600),
    perAddress: int(env, 'CASTSYNC_RATE_LIMIT_PER_ADDRESS', 300),
    authFailures: int(env, 'CASTSYNC_RATE_LIMIT_AUTH_FAILURES', 20),
    signIn: int(env, 'CASTSYNC_RATE_LIMIT_SIGN_IN', 10),
    uploads: int(env, 'CASTSYNC_RATE_LIMIT_UPLOADS', 30),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const masterKeys = parseMasterKeys(env.CASTSYNC_MASTER_KEYS);
  const payloadKeyring = payloadKeys(env, masterKeys);
  const production = isProduction(env);
  const platforms = enabledPlatforms(env);
  const platformUrls = perPlatform(env, 'PLATFORM_URL');
  const clients = oauthClients(env);
  if (production) assertProductionReady({ env, platforms, platformUrls, oauthClients: clients });
  return {
    production,
    enabledPlatforms: platforms,
    databaseUrl: env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/castsync',
    temporalAddress: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    temporalUiUrl: env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
    apiHost: env.API_HOST ?? '127.0.0.1',
    apiPort: int(env, 'API_PORT', 3000),
    dataDir: path.resolve(projectRoot, env.CASTSYNC_DATA_DIR ?? '.data'),
    artifactsDir: path.resolve(projectRoot, env.CASTSYNC_DATA_DIR ?? '.data', 'artifacts'),
    masterKeys,
    activeKeyId: activeKeyId(masterKeys, env.CASTSYNC_ACTIVE_KEY_ID, 'CASTSYNC_ACTIVE_KEY_ID'),
    maxRangeDays: int(env, 'CASTSYNC_MAX_RANGE_DAYS', 366),
    bodyLimitBytes: int(env, 'CASTSYNC_BODY_LIMIT_BYTES', 64 * 1024),
    syncCoalesceMs: int(env, 'CASTSYNC_SYNC_COALESCE_MS', 1000),
    redriveInitialMs: int(env, 'CASTSYNC_REDRIVE_INITIAL_MS', 60_000),
    redriveMaxMs: int(env, 'CASTSYNC_REDRIVE_MAX_MS', 60 * 60_000),
    relayInProcess: (env.CASTSYNC_RELAY ?? 'in-process') !== 'off',
    relaySweepMs: int(env, 'CASTSYNC_RELAY_SWEEP_MS', 1000),
    temporalRequestTimeoutMs: int(env, 'CASTSYNC_TEMPORAL_REQUEST_TIMEOUT_MS', 1000),
    connectCheckPickupMs: int(env, 'CASTSYNC_CONNECT_CHECK_PICKUP_MS', 30_000),
    platformUrls,
    dispatchPerSecond: dispatchSettings(env),
    oauthClients: clients,
    publicUrl: (env.CASTSYNC_PUBLIC_URL ?? `http://localhost:${int(env, 'API_PORT', 3000)}`).replace(/\/$/, ''),
    chromiumPath: env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    logLevel: env.LOG_LEVEL ?? 'info',
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT ? env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '') : null,
    mediaDir: path.resolve(projectRoot, env.CASTSYNC_DATA_DIR ?? '.data', 'media'),
    mediaMaxBytes: int(env, 'CASTSYNC_MEDIA_MAX_BYTES', 500 * 1024 * 1024),
    mediaMaxPixels: int(env, 'CASTSYNC_MEDIA_MAX_PIXELS', 100_000_000),
    mediaMaxPerUser: int(env, 'CASTSYNC_MEDIA_MAX_PER_USER', 200),
    mediaMaxBytesPerUser: int(env, 'CASTSYNC_MEDIA_MAX_BYTES_PER_USER', 2 * 1024 ** 3),
    bodyTimeoutMs: int(env, 'CASTSYNC_BODY_TIMEOUT_MS', 30_000),
    uploadTimeoutMs: int(env, 'CASTSYNC_UPLOAD_TIMEOUT_MS', 15 * 60_000),
    rateLimits: rateLimits(env),
    trustProxy: trustProxy(env.CASTSYNC_TRUST_PROXY),
    mediaPushBaseMs: env.CASTSYNC_MEDIA_PUSH_BASE_MS ? int(env, 'CASTSYNC_MEDIA_PUSH_BASE_MS', 0) : null,
    mediaPushItemMs: int(env, 'CASTSYNC_MEDIA_PUSH_ITEM_MS', 30_000),
    mediaPushBytesPerSecond: Math.max(1, int(env, 'CASTSYNC_MEDIA_PUSH_BYTES_PER_SECOND', 256 * 1024)),
    payloadKeys: payloadKeyring,
    payloadActiveKeyId: activeKeyId(payloadKeyring, env.CASTSYNC_PAYLOAD_ACTIVE_KEY_ID, 'CASTSYNC_PAYLOAD_ACTIVE_KEY_ID'),
    operatorToken: env.CASTSYNC_OPERATOR_TOKEN || null,
    workerMetricsPort: env.CASTSYNC_WORKER_METRICS_PORT ? int(env, 'CASTSYNC_WORKER_METRICS_PORT', 0) : null,
    temporalMetricsAddress: env.CASTSYNC_TEMPORAL_METRICS_ADDRESS || null,
    webhookToleranceSeconds: int(env, 'CASTSYNC_WEBHOOK_TOLERANCE_SECONDS', 300),
    calendarRefreshMinutes: Math.max(1, int(env, 'CASTSYNC_CALENDAR_REFRESH_MINUTES', 30)),
    calendarMaxBytes: Math.max(1, int(env, 'CASTSYNC_CALENDAR_MAX_BYTES', 5 * 1024 * 1024)),
    calendarTimeoutMs: Math.max(1, int(env, 'CASTSYNC_CALENDAR_TIMEOUT_MS', 20_000)),
    calendarHttpHosts: (env.CASTSYNC_CALENDAR_HTTP_HOSTS ?? '').split(',').map((host) => host.trim()).filter(Boolean),
    ...quotaSettings(env),
    ...mailSettings(env),
  };
}

/** Sign-up sends a verification link, so turning it on without a mail relay is a mistake caught at start. */
function mailSettings(env: NodeJS.ProcessEnv) {
  const signup = env.CASTSYNC_SIGNUP ?? 'off';
  if (signup !== 'on' && signup !== 'off') throw new ConfigError(`CASTSYNC_SIGNUP must be "on" or "off", got "${signup}"`);
  const smtpUrl = env.CASTSYNC_SMTP_URL || null;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) throw new ConfigError('CASTSYNC_SMTP_URL must start with smtp:// or smtps://');
  if (signup === 'on' && !smtpUrl) throw new ConfigError('CASTSYNC_SIGNUP=on needs CASTSYNC_SMTP_URL to send the verification links');
  return { signupEnabled: signup === 'on', smtpUrl, mailFrom: env.CASTSYNC_MAIL_FROM || 'castsync <no-reply@castsync.local>' };
}
