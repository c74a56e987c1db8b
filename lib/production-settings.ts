// Production mode (NODE_ENV=production or CASTSYNC_ENV=production): every setting whose only default is meant for
// development must be given, and nothing may fall back to a simulator. All problems are collected and reported
// in one ConfigError, so an operator fixes the environment in one pass instead of one restart per variable.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { getPlatform, isPlatformId, platformIds } from '../adapters/catalog.js';

export class ConfigError extends Error {}

/**
 * SHA-256 of the client secret the OAuth simulators accept (simulators/oauth/server.ts, published in the README):
 * refused in production. Only its hash is here, so production code holds no development secret.
 */
export const SIMULATOR_CLIENT_SECRET_SHA256 = '2b9147c4982fa1c97a66cb3659ac96ee05020f4fde62b90bbda470acfdc5e351';

export function isProduction(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV === 'production' || env.CASTSYNC_ENV === 'production';
}

/** CASTSYNC_<PREFIX>_<ID> for a platform id (job-work -> JOB_WORK). */
export const platformVariable = (prefix: string, platformId: string) => `CASTSYNC_${prefix}_${platformId.toUpperCase().replace(/-/g, '_')}`;

/**
 * CASTSYNC_PLATFORMS="etalenta,filmmakers": the platforms this deployment offers. Unset in development: the whole
 * catalog (the simulators stand in for every platform). Unset in production: none (and a reported problem).
 */
export function enabledPlatforms(env: NodeJS.ProcessEnv): string[] {
  const raw = env.CASTSYNC_PLATFORMS;
  if (raw === undefined || raw.trim() === '') return isProduction(env) ? [] : [...platformIds];
  const ids = [...new Set(raw.split(',').map((id) => id.trim()).filter(Boolean))];
  const unknown = ids.filter((id) => !isPlatformId(id));
  if (unknown.length) {
    throw new ConfigError(`CASTSYNC_PLATFORMS names unknown platforms: ${unknown.join(', ')} (known: ${platformIds.join(', ')})`);
  }
  return ids;
}

/** What production start needs from the environment: the settings read and the platforms they enable. */
export interface ProductionInput {
  env: NodeJS.ProcessEnv;
  platforms: string[];
  platformUrls: Record<string, string>;
  oauthClients: Record<string, { clientId: string; clientSecret: string }>;
}

/** Settings production cannot start without (docker-compose's production file is checked against it too). */
export const REQUIRED_SETTINGS = [
  ['DATABASE_URL', 'the PostgreSQL database'],
  ['TEMPORAL_ADDRESS', 'the Temporal frontend host:port'],
  ['CASTSYNC_MASTER_KEYS', 'the keys that seal credentials at rest'],
  ['CASTSYNC_OPERATOR_TOKEN', 'the secret of the codec server for operators'],
  ['CASTSYNC_PLATFORMS', 'the platforms this deployment offers, e.g. etalenta,filmmakers'],
] as const;

/** Every reason the environment is not fit for production; empty when it is. */
export function productionProblems({ env, platforms, platformUrls, oauthClients }: ProductionInput): string[] {
  const problems: string[] = REQUIRED_SETTINGS.filter(([name]) => !env[name]?.trim()).map(([name, what]) => `${name} is missing (${what})`);
  problems.push(...publicUrlProblems(env.CASTSYNC_PUBLIC_URL));
  // Listed hosts are read over plain http and exempt from the public-address check (lib/public-address.ts): any
  // user's calendar address could reach them. For tests and development only.
  if (env.CASTSYNC_CALENDAR_HTTP_HOSTS?.trim()) {
    problems.push('CASTSYNC_CALENDAR_HTTP_HOSTS must be empty in production: it lets every user\'s calendar address reach those hosts over plain http, inside your network');
  }
  for (const platformId of platforms) {
    problems.push(...platformUrlProblems(platformId, platformUrls[platformId]));
    if (getPlatform(platformId).kind === 'oauth') problems.push(...oauthClientProblems(platformId, oauthClients[platformId]));
  }
  return problems;
}

export function assertProductionReady(input: ProductionInput): void {
  const problems = productionProblems(input);
  if (problems.length === 0) return;
  throw new ConfigError(`production mode: castsync cannot start until these settings are fixed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

function publicUrlProblems(raw: string | undefined): string[] {
  if (!raw?.trim()) return ['CASTSYNC_PUBLIC_URL is missing (the https address users and OAuth platforms reach the gateway at)'];
  const url = parseUrl(raw);
  if (!url || url.protocol !== 'https:') return [`CASTSYNC_PUBLIC_URL must be an https:// URL in production, got "${raw}"`];
  if (isLoopback(url.hostname)) return [`CASTSYNC_PUBLIC_URL must not be a loopback address in production, got "${raw}"`];
  return [];
}

function platformUrlProblems(platformId: string, raw: string | undefined): string[] {
  const platform = getPlatform(platformId);
  const variable = platformVariable('PLATFORM_URL', platformId);
  const expected = platform.kind === 'email' ? ['smtp:', 'smtps:'] : ['https:'];
  const what = platform.kind === 'email' ? 'the SMTP relay, smtp:// or smtps://user:password@host:port' : 'its https:// base URL';
  if (!raw) return [`${variable} is missing (${platform.name} is enabled: ${what})`];
  const url = parseUrl(raw);
  if (url && isLoopback(url.hostname)) return [`${variable} points to a loopback address (${url.hostname}), a simulator's, not ${platform.name}'s`];
  if (!url || !expected.includes(url.protocol)) return [`${variable} must be ${what} for ${platform.name}`];
  return [];
}

function oauthClientProblems(platformId: string, client: { clientId: string; clientSecret: string } | undefined): string[] {
  const variable = platformVariable('OAUTH_CLIENT', platformId);
  const name = getPlatform(platformId).name;
  if (!client) return [`${variable} is missing (our client-id:client-secret registered at ${name})`];
  if (createHash('sha256').update(client.clientSecret).digest('hex') === SIMULATOR_CLIENT_SECRET_SHA256) return [`${variable} is the development client of the simulators, not a registration at ${name}`];
  return [];
}

function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/** localhost, *.localhost, 127.0.0.0/8, ::1 and the unspecified addresses: never a real platform. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.') || host === '0.0.0.0';
  if (isIP(host) === 6) return ['::1', '::', '0:0:0:0:0:0:0:1'].includes(host) || /^::ffff:127\./.test(host);
  return false;
}
