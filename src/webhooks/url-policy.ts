/**
 * Checks a webhook URL when it is registered (an endpoint, or a task's callback header), with the
 * outbound policy of inputs/address-policy.ts: http(s) only, no credentials, and no private,
 * loopback or metadata address unless allow-listed (RETOUCH_WEBHOOK_ALLOW). This is an early,
 * clear refusal; every attempt is checked again at connect time (sender.ts), since DNS answers
 * can change after registration.
 */
import dns from 'node:dns';
import net from 'node:net';
import { WebhookErrors } from '../errors.js';
import { addressAllowed } from '../inputs/address-policy.js';
import { allowListFor, checkTarget, type Target } from '../inputs/safe-fetch.js';

export const MAX_WEBHOOK_URL_LENGTH = 2048;

const invalid = WebhookErrors.invalidUrl;

export async function validateWebhookUrl(
  raw: unknown,
  what: string,
  allow: readonly string[],
  lookup: net.LookupFunction = dns.lookup as net.LookupFunction,
): Promise<string> {
  if (typeof raw !== 'string' || raw.trim() === '') throw invalid(what, 'expected an http(s) URL.');
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) throw invalid(what, `longer than ${MAX_WEBHOOK_URL_LENGTH} characters.`);
  const list = allowListFor(allow);
  let target: Target;
  try {
    target = checkTarget(raw.trim(), list);
  } catch (err) {
    throw invalid(
      what,
      (err as Error).message
        .replace(/^Invalid URL provided in your request:?\s*/, '')
        .replace(/^The request URL is not allowed: /, '')
        .replace(/^\.$/, '') || 'expected an http(s) URL.',
    );
  }
  if (target.hostAllowed || net.isIP(target.host) !== 0) return target.url.href;
  const addresses = await new Promise<string[]>((resolve, reject) =>
    lookup(target.host, { all: true }, (err, result) => (err ? reject(err) : resolve((result as unknown as dns.LookupAddress[]).map((a) => a.address)))),
  ).catch(() => {
    throw invalid(what, 'the host name could not be resolved.');
  });
  if (addresses.some((a) => !addressAllowed(a, list))) throw invalid(what, 'it resolves to a private or reserved address.');
  return target.url.href;
}
