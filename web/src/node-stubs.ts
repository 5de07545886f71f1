/**
 * Browser stand-ins for the Node built-ins the SDK imports (see web/vite.config.ts). The console
 * only gives the SDK data URIs and never asks it to save files, so none of these is called; if
 * one were, it fails loudly instead of doing something else.
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
export const fileURLToPath = unavailable('fileURLToPath');
/** `instanceof Readable` must be false for everything a browser has. */
export class Readable {
  static fromWeb = unavailable('Readable.fromWeb');
}
