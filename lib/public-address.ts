// Keeps a fetch of a user-given address (a calendar feed) on the public internet: an address in a private,
// loopback, link-local or otherwise special range is refused, by its literal IP or by what its name resolves to at
// connect time (the resolved address is the one connected to, so a name that answers differently later cannot slip
// through). Without it any user could make castsync's workers probe its own network (SSRF). Hosts the operator
// allows (tests, a local server) are exempt.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const special = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) special.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) special.addSubnet(network, prefix, 'ipv6');

/** Whether an IP address is one castsync must not fetch from for a user (false for a name: it is not an address). */
export function isNonPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 0) return false;
  // An IPv4-mapped IPv6 address is the IPv4 address it maps: public only if that one is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return special.check(mapped[1]!, 'ipv4');
  return special.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

export class NonPublicAddressError extends Error {
  readonly code = 'ERR_NON_PUBLIC_ADDRESS';
  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(`${hostname} resolves to ${address}, which is not a public address`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net/tls connections that fails for names resolving to a non-public address, unless allowed. */
export function publicOnlyLookup(allowedHosts: readonly string[]) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const refused = allowedHosts.includes(hostname) ? undefined : addresses.find((a) => isNonPublicAddress(a.address));
      if (refused) return callback(new NonPublicAddressError(hostname, refused.address), '');
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
}
