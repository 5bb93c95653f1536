import { addressRefusal, backoffMs, delivered, givesUp, MAX_BACKOFF_MS, secretRefusal, urlRefusal } from './webhook-rules';

const closed = { allowPrivate: false, allowCidrs: [] };

describe('webhook rules', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['fd00::1', 'uniqueLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
  ])('refuses %s (%s) by default', (address, range) => {
    expect(addressRefusal(address, closed)).toContain(range);
  });

  it.each(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:93.184.216.34'])('allows the global address %s', (a) => {
    expect(addressRefusal(a, closed)).toBeUndefined();
  });

  it('allows anything with allowPrivate, and listed networks without it', () => {
    expect(addressRefusal('127.0.0.1', { allowPrivate: true, allowCidrs: [] })).toBeUndefined();
    const listed = { allowPrivate: false, allowCidrs: ['10.20.0.0/16', '::1'] };
    expect(addressRefusal('10.20.3.4', listed)).toBeUndefined();
    expect(addressRefusal('::1', listed)).toBeUndefined();
    expect(addressRefusal('10.21.0.1', listed)).toContain('private');
    expect(addressRefusal('127.0.0.1', listed)).toContain('loopback');
  });

  it.each([
    ['ftp://example.com/', 'http'],
    ['file:///etc/passwd', 'http'],
    ['example.com/hook', 'absolute'],
    ['https://user:pw@example.com/', 'credentials'],
  ])('refuses the URL %s', (url, why) => {
    expect(urlRefusal(url)).toContain(why);
  });

  it('accepts http and https URLs', () => {
    expect(urlRefusal('https://hooks.example.com/kipam?x=1')).toBeUndefined();
    expect(urlRefusal('http://[2001:db8::1]:8080/')).toBeUndefined();
  });

  it('takes Standard Webhooks secrets of 24 to 64 bytes', () => {
    expect(secretRefusal(`whsec_${Buffer.alloc(32, 7).toString('base64')}`)).toBeUndefined();
    expect(secretRefusal(`whsec_${Buffer.alloc(16, 7).toString('base64')}`)).toContain('24 to 64');
    expect(secretRefusal('plain-secret')).toContain('whsec_');
  });

  it('backs off exponentially with jitter, up to an hour', () => {
    expect(backoffMs(1, 1000, 0)).toBe(500);
    expect(backoffMs(1, 1000, 0.999)).toBeLessThanOrEqual(1000);
    expect(backoffMs(2, 1000, 0)).toBe(1000);
    expect(backoffMs(5, 1000, 0)).toBe(8000);
    expect(backoffMs(60, 1000, 0.999)).toBeLessThanOrEqual(MAX_BACKOFF_MS);
    expect(backoffMs(60, 1000, 0)).toBe(MAX_BACKOFF_MS / 2);
  });

  it('retries for the whole window: at least 24 h of attempts with the default base', () => {
    // the schedule reaches 24 h long before the attempts run out
    let elapsed = 0;
    let attempts = 0;
    while (!givesUp(new Date(0), new Date(elapsed), 24)) elapsed += backoffMs(++attempts, 5000, 0.5);
    expect(elapsed).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(attempts).toBeGreaterThan(20);
  });

  it('counts 2xx as delivered', () => {
    expect([200, 204, 299].map(delivered)).toEqual([true, true, true]);
    expect([199, 301, 404, 500].map(delivered)).toEqual([false, false, false, false]);
  });
});
