import ipaddr from 'ipaddr.js';

/**
 * Pure rules of webhook delivery: which addresses a webhook may reach (the
 * SSRF guard), how long to wait before the next attempt, which URLs are
 * accepted and which secrets. No I/O: the delivery loop applies them.
 */

export interface AddressPolicy {
  /** Loopback, link-local, private and other non-global addresses allowed (KIPAM_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Networks allowed whatever their kind (KIPAM_WEBHOOK_ALLOW_CIDRS). */
  allowCidrs: string[];
}

function parsedCidrs(cidrs: string[]): [ipaddr.IPv4 | ipaddr.IPv6, number][] {
  return cidrs.map((c) => (c.includes('/') ? ipaddr.parseCIDR(c) : [ipaddr.parse(c), ipaddr.parse(c).kind() === 'ipv4' ? 32 : 128]));
}

/**
 * Why a delivery to `address` is refused, or undefined when it is allowed.
 * Only global unicast addresses are reachable by default: loopback, link-local
 * (169.254.0.0/16, where cloud metadata services answer, and fe80::/10),
 * private (10/8, 172.16/12, 192.168/16, fc00::/7), carrier-grade NAT,
 * unspecified, multicast and reserved space are not. An IPv4-mapped IPv6
 * address is judged as the IPv4 address it maps.
 */
export function addressRefusal(address: string, policy: AddressPolicy): string | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return `${address} is not an IP address`;
  }
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  for (const [net, bits] of parsedCidrs(policy.allowCidrs)) {
    if (net.kind() === ip.kind() && ip.match([net, bits] as never)) return undefined;
  }
  if (policy.allowPrivate) return undefined;
  const range = ip.range();
  if (range === 'unicast') return undefined;
  return `${address} is a ${range} address: set KIPAM_WEBHOOK_ALLOW_PRIVATE=true or list it in KIPAM_WEBHOOK_ALLOW_CIDRS to deliver there`;
}

/** Why a webhook URL is refused before any DNS lookup, or undefined. */
export function urlRefusal(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.username || url.password) return 'must not carry credentials (sign deliveries with the secret instead)';
  if (!url.hostname) return 'must name a host';
  return undefined;
}

/** The URL's host as DNS or an address literal takes it (brackets of an IPv6 literal removed). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * A Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 random
 * bytes (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).
 */
export function secretRefusal(secret: string): string | undefined {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!m) return 'must be whsec_ followed by base64 (e.g. whsec_ and `openssl rand -base64 32`)';
  const bytes = Buffer.from(m[1], 'base64').length;
  if (bytes < 24 || bytes > 64) return `must hold 24 to 64 bytes after whsec_ (it holds ${bytes})`;
  return undefined;
}

/** The longest wait between two attempts. */
export const MAX_BACKOFF_MS = 3_600_000;

/**
 * Milliseconds before attempt `attempts + 1`, after `attempts` failed ones:
 * exponential (base × 2^(attempts−1), at most an hour) with "equal jitter"
 * (half of it fixed, half random), so that retries of many deliveries spread
 * out but never come sooner than half the schedule. `random` is in [0, 1).
 */
export function backoffMs(attempts: number, baseMs: number, random: number): number {
  const exp = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
  return Math.round(exp / 2 + (exp / 2) * random);
}

/** Whether a delivery that failed at `now` gives up instead of retrying: its retry window has passed. */
export function givesUp(windowStart: Date, now: Date, retryHours: number): boolean {
  return now.getTime() - windowStart.getTime() >= retryHours * 3_600_000;
}

/** A receiver's answer that counts as delivered: any 2xx. */
export function delivered(status: number): boolean {
  return status >= 200 && status < 300;
}
