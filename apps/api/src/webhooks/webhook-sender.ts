import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { addressRefusal, hostOf, type AddressPolicy } from './webhook-rules';

/** A delivery refused by the SSRF guard (webhook-rules.ts addressRefusal). */
export class AddressRefusedError extends Error {
  readonly code = 'EADDRREFUSED';
}

/** Every address `host` resolves to, refused when any one of them is (no choosing the harmless one). */
export async function resolveAllowed(host: string, policy: AddressPolicy): Promise<string[]> {
  if (isIP(host)) {
    const why = addressRefusal(host, policy);
    if (why) throw new AddressRefusedError(why);
    return [host];
  }
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, found) => (error ? reject(error) : resolve(found))),
  );
  for (const a of addresses) {
    const why = addressRefusal(a.address, policy);
    if (why) throw new AddressRefusedError(`${host} resolves to ${why}`);
  }
  return addresses.map((a) => a.address);
}

/**
 * The connection's own lookup: the addresses checked are the addresses
 * connected to, so a name that resolves to a public address when the webhook
 * is created and to 127.0.0.1 at delivery (DNS rebinding) is still refused.
 */
function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, verbatim: true, family: options.family }, (error, found) => {
      if (error) return callback(error, '', 0);
      for (const a of found) {
        const why = addressRefusal(a.address, policy);
        if (why) return callback(new AddressRefusedError(`${hostname} resolves to ${why}`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, found);
      callback(null, found[0].address, found[0].family);
    });
  };
}

export interface SendResult {
  status: number | null;
  error: string | null;
}

/** Headers and body of a signed delivery (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature). */
export function signedRequest(secret: string, messageId: string, body: string, at = new Date()): Record<string, string> {
  return {
    'content-type': 'application/cloudevents+json; charset=utf-8',
    'user-agent': 'Kipam-Webhooks/1',
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(messageId, at, body),
  };
}

/**
 * POSTs one signed event; never follows redirects (a 3xx is a failed attempt:
 * a redirect could lead past the address check). At most `timeoutMs`; aborted
 * by `signal` (a shutdown).
 */
export async function send(
  url: string,
  secret: string,
  messageId: string,
  body: string,
  opts: { policy: AddressPolicy; timeoutMs: number; signal: AbortSignal },
): Promise<SendResult> {
  const target = new URL(url);
  try {
    if (isIP(hostOf(target))) await resolveAllowed(hostOf(target), opts.policy);
  } catch (error) {
    return { status: null, error: (error as Error).message };
  }
  const headers = { ...signedRequest(secret, messageId, body), 'content-length': String(Buffer.byteLength(body)) };
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const done = (r: SendResult) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const req = request(
      target,
      { method: 'POST', headers, lookup: guardedLookup(opts.policy), signal: opts.signal, timeout: opts.timeoutMs },
      (res: IncomingMessage) => {
        // the answer's body is not used: read it (bounded) so the socket is freed
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > 65_536) res.destroy();
        });
        res.on('end', () => done({ status: res.statusCode ?? null, error: null }));
        res.on('close', () => done({ status: res.statusCode ?? null, error: null }));
        res.on('error', () => done({ status: res.statusCode ?? null, error: null }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (error) => done({ status: null, error: error.message }));
    req.end(body);
  });
}
