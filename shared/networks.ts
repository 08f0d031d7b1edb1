// Address allow-lists (CIDR). Registration only accepts origins inside PROXY_BACKEND_NETWORKS, so
// nobody can make the proxy dial a cloud metadata address, a public host or the proxy's own
// neighbours outside the origin network.

import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Loopback and private ranges: where origins of one cluster live. Link-local (169.254/16, metadata) is not. */
export const DEFAULT_BACKEND_NETWORKS =
  '127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,::1/128,fc00::/7';

export class NetworkList {
  private readonly ranges: Range[];

  /** Parses a comma-separated list of CIDRs; throws on anything else. */
  constructor(readonly text: string) {
    this.ranges = text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((cidr) => ipaddr.parseCIDR(cidr));
  }

  /** True for an IP literal inside one of the ranges (IPv4-mapped IPv6 counts as IPv4); false for names. */
  contains(address: string): boolean {
    if (!isIpLiteral(address)) return false;
    let ip = ipaddr.parse(address);
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
    return this.ranges.some((range) => ip.kind() === range[0].kind() && ip.match(range));
  }
}

/** True for an IPv4 or IPv6 literal (no host names). */
export function isIpLiteral(text: string): boolean {
  return ipaddr.isValid(text) && (ipaddr.IPv4.isValidFourPartDecimal(text) || text.includes(':'));
}
