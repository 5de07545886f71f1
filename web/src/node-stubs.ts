/**
 * Browser stand-ins for the Node built-ins the SDK imports (see web/vite.config.ts). The console
 * only gives the SDK data URIs and never asks it to save files, so none of these is called (but
 * randomUUID); if one were, it fails loudly instead of doing something else.
 */
const unavailable = (name: string) => () => {
  throw new Error(`${name} is not available in the browser`);
};

export const readFile = unavailable('readFile');
export const stat = unavailable('stat');
export const mkdir = unavailable('mkdir');
export const rename = unavailable('rename');
export const writeFile = unavailable('writeFile');
export const basename = (path: string) => path.split('/').pop() ?? path;
export const join = (...parts: string[]) => parts.join('/');
export const dirname = unavailable('dirname');
export const resolve = unavailable('resolve');
export const fileURLToPath = unavailable('fileURLToPath');
/** `instanceof Readable` must be false for everything a browser has. */
export class Readable {
  static fromWeb = unavailable('Readable.fromWeb');
}

/**
 * node:crypto's randomUUID from Web Crypto. `crypto.randomUUID` exists only in secure contexts
 * (https, localhost); a console opened over plain http on a LAN address builds the v4 UUID from
 * `getRandomValues`, which every context has.
 */
export function randomUUID(): string {
  if (typeof globalThis.crypto.randomUUID === 'function') return globalThis.crypto.randomUUID();
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
