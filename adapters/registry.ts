// Which adapter class serves which connection kind. Kinds without one yet cannot be connected.
import type { ConnectionKind } from './catalog.js';
import type { AdapterContext, PlatformAdapter } from './types.js';
import { RestAdapter } from './rest/rest-adapter.js';
import { OAuthAdapter } from './oauth/oauth-adapter.js';
import { BrowserAdapter } from './browser/browser-adapter.js';
import { EmailAdapter } from './email/email-adapter.js';

const adapterByKind: Partial<Record<ConnectionKind, (context: AdapterContext) => PlatformAdapter>> = {
  rest: (context) => new RestAdapter(context),
  oauth: (context) => new OAuthAdapter(context),
  browser: (context) => new BrowserAdapter(context),
  email: (context) => new EmailAdapter(context),
};

export function hasAdapter(kind: ConnectionKind): boolean {
  return kind in adapterByKind;
}

export function createAdapter(context: AdapterContext): PlatformAdapter {
  const make = adapterByKind[context.platform.kind];
  if (!make) throw new Error(`no adapter for ${context.platform.kind} platforms yet (${context.platform.name})`);
  return make(context);
}
