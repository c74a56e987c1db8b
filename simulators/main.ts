// Runs every platform simulator on its catalog port, each with a demo account (npm run simulators; `npm start`
// runs them too). The accounts are printed so a person can connect the platforms through the API.
import { platformCatalog, type PlatformEntry } from '../adapters/catalog.js';
import { platformVariable } from '../lib/production-settings.js';
import { apiMediaRulesOf } from './api-media.js';
import { RestPlatformSimulator } from './etalenta/server.js';
import { OAuthPlatformSimulator, SIMULATOR_OAUTH_CLIENT } from './oauth/server.js';
import { portalOptionsFromCatalog } from './portal/catalog-options.js';
import { PortalSimulator, type PortalSimulatorOptions } from './portal/server.js';
import { SmtpSimulator } from './smtp/server.js';

export const DEMO_ETALENTA_API_KEY = process.env.CASTSYNC_DEMO_ETALENTA_KEY ?? 'demo-etalenta-key';
export const DEMO_LOGIN = { email: 'demo@castsync.local', username: 'demo', password: 'demo-password' };
/** The demo Filmmakers account's read-only partner API token. */
export const DEMO_FILMMAKERS_API_TOKEN = 'demo-filmmakers-token';

/**
 * What a portal does beyond its catalog entry. Upload rules and delete-or-hide come from the catalog
 * (portalOptionsFromCatalog), so the simulators take exactly what castsync prepares for them.
 */
const PORTAL_OPTIONS: Record<string, Partial<PortalSimulatorOptions>> = {
  filmmakers: { partnerApi: { tokens: [DEMO_FILMMAKERS_API_TOKEN] } },
};

export interface RunningSimulators {
  etalenta: RestPlatformSimulator;
  /** platform id -> base URL */
  urls: Record<string, string>;
  /** The SMTP simulator, also castsync's own mail relay in development (sign-up links). */
  smtp: SmtpSimulator;
  smtpUrl: string;
  /** One line per simulator: what runs where, and the demo account. */
  summary: string[];
  stop(): Promise<void>;
}

interface Startable {
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** Fixed ports, so a person can find the demo accounts; castsync learns them only from CASTSYNC_PLATFORM_URL_<ID>. */
export const SIMULATOR_PORTS: Record<string, number> = {
  etalenta: 4101,
  'agentur-connection': 4102,
  jobwork: 4103,
  wanted: 4104,
  filmmakers: 4105,
  'casting-network': 4106,
  schauspielervideos: 4107,
  'agentur-iris-mueller': 4125,
  'agentur-sarah-weiss': 4125,
};

/** CASTSYNC_PLATFORM_URL_<ID> for each simulator: how the gateway and the worker learn where they run. */
export const platformUrlEnv = (urls: Record<string, string>) =>
  Object.fromEntries(Object.entries(urls).map(([platformId, url]) => [platformVariable('PLATFORM_URL', platformId), url]));

/** CASTSYNC_OAUTH_CLIENT_<ID> for every OAuth platform of the catalog: the client the simulators accept. */
export const simulatorOAuthClientEnv = () =>
  Object.fromEntries(
    Object.values(platformCatalog as Record<string, PlatformEntry>)
      .filter((platform) => platform.kind === 'oauth')
      .map((platform) => [platformVariable('OAUTH_CLIENT', platform.id), `${SIMULATOR_OAUTH_CLIENT.clientId}:${SIMULATOR_OAUTH_CLIENT.clientSecret}`]),
  );

const portOf = (platform: PlatformEntry) => SIMULATOR_PORTS[platform.id] ?? 0;

/** Where startSimulators puts the SMTP simulator (known before it starts, for settings read early). */
export const smtpSimulatorUrl = (host = '127.0.0.1') => `smtp://${host}:${portOf(platformCatalog['agentur-iris-mueller'])}`;

export async function startSimulators({ host = '127.0.0.1' } = {}): Promise<RunningSimulators> {
  const started: Startable[] = [];
  const urls: Record<string, string> = {};
  const summary: string[] = [];
  const smtp = new SmtpSimulator({ host, port: portOf(platformCatalog['agentur-iris-mueller']) });
  const smtpUrl = await smtp.start();
  started.push(smtp);
  summary.push(`SMTP (agencies, mail) ${smtpUrl}  keeps what it receives in memory`);

  let etalenta: RestPlatformSimulator | undefined;
  for (const platform of Object.values(platformCatalog as Record<string, PlatformEntry>)) {
    const port = portOf(platform);
    if (platform.kind === 'email') {
      urls[platform.id] = smtpUrl;
      continue;
    }
    if (platform.kind === 'rest') {
      const sim = new RestPlatformSimulator({ name: platform.id, host, port, accounts: [{ apiKey: DEMO_ETALENTA_API_KEY, name: 'Demo Actor' }], quota: platform.accountRateLimit ?? undefined, media: apiMediaRulesOf(platform) });
      urls[platform.id] = await sim.start();
      if (platform.id === 'etalenta') etalenta = sim;
      started.push(sim);
      summary.push(`${platform.name.padEnd(21)} ${urls[platform.id]}  API key "${DEMO_ETALENTA_API_KEY}"`);
    } else if (platform.kind === 'oauth') {
      const sim = new OAuthPlatformSimulator({ name: platform.id, displayName: platform.name, host, port, media: apiMediaRulesOf(platform) });
      sim.addAccount({ name: 'Demo Actor', username: DEMO_LOGIN.username, password: DEMO_LOGIN.password });
      urls[platform.id] = await sim.start();
      started.push(sim);
      summary.push(`${platform.name.padEnd(21)} ${urls[platform.id]}  consent page login ${DEMO_LOGIN.username} / ${DEMO_LOGIN.password}`);
    } else {
      const options = PORTAL_OPTIONS[platform.id] ?? {};
      const sim = new PortalSimulator({ ...portalOptionsFromCatalog(platform), host, port, ...options });
      const partnerApiToken = options.partnerApi ? DEMO_FILMMAKERS_API_TOKEN : undefined;
      sim.addAccount(DEMO_LOGIN.email, DEMO_LOGIN.password, { partnerApiToken });
      urls[platform.id] = await sim.start();
      started.push(sim);
      const api = partnerApiToken ? `; partner API token "${partnerApiToken}"` : '';
      summary.push(`${platform.name.padEnd(21)} ${urls[platform.id]}  login ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}${api}`);
    }
  }
  return {
    etalenta: etalenta!,
    urls,
    smtp,
    smtpUrl,
    summary,
    stop: async () => {
      await Promise.all(started.map((s) => s.stop()));
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sims = await startSimulators({ host: process.env.SIMULATOR_HOST ?? '127.0.0.1' });
  console.log(sims.summary.join('\n'));
  console.log(`\nfor npm run api / npm run worker:\n${Object.entries({ ...platformUrlEnv(sims.urls), ...simulatorOAuthClientEnv() }).map(([name, url]) => `export ${name}=${url}`).join('\n')}`);
  const stop = () => void sims.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
