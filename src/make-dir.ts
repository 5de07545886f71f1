/**
 * `mkdir -p` for directories a user names (the data dir, `retouch edit -o`), without Node's
 * `{ recursive: true }`: under /proc (and /sys) the kernel answers ENOENT to a mkdir of any child,
 * and Node's recursive mkdir then retries the parent forever at 100 % CPU. Here each missing
 * directory is made once, parents first, and any error is final. Synchronous: it makes a few
 * directories once, at start-up or for one CLI command. (The SDK, which cannot import this
 * module, has its own asynchronous one for `downloadResults`.)
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const codeOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

function notDirectory(dir: string): Error {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR' });
}

/** The directories of `dir` that do not exist yet, outermost first. */
function missingSync(dir: string): string[] {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    try {
      if (!statSync(at).isDirectory()) throw notDirectory(at);
      return missing.reverse();
    } catch (err) {
      if (codeOf(err) !== 'ENOENT' || dirname(at) === at) throw err;
      missing.push(at);
    }
  }
}

export function makeDirSync(dir: string): void {
  for (const d of missingSync(dir)) {
    try {
      mkdirSync(d);
    } catch (err) {
      if (codeOf(err) !== 'EEXIST' || !statSync(d).isDirectory()) throw err;
    }
  }
}
