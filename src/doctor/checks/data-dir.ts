import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fail, ok, type Check } from '../check.js';
import { makeDirSync } from '../../make-dir.js';

/** The data dir must exist (or be creatable) and be writable by this user: SQLite and local blobs live there. */
export const dataDirCheck: Check = {
  id: 'data-dir',
  needsConfig: true,
  async run({ config }) {
    const dir = config!.dataDir;
    const usesDir = !config!.databaseUrl || !config!.s3;
    if (!usesDir) return [ok('data-dir', `not used (PostgreSQL and S3 hold everything); ${dir} is only a working directory`)];
    const fix = `make ${dir} writable by this user (e.g. \`sudo install -d -o $(id -un) ${dir}\`), or pick another with --data-dir / RETOUCH_DATA_DIR`;
    if (!existsSync(dir)) {
      let parent = dirname(dir);
      while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
      if (!statSync(parent).isDirectory()) return [fail('data-dir', `${dir} cannot be created: ${parent} is not a directory`, fix)];
      try {
        makeDirSync(dir);
        rmSync(dir, { recursive: true });
      } catch (err) {
        return [fail('data-dir', `${dir} does not exist and cannot be created: ${(err as Error).message}`, fix)];
      }
      return [ok('data-dir', `${dir} does not exist yet; it will be created at the first start`)];
    }
    if (!statSync(dir).isDirectory()) return [fail('data-dir', `${dir} is not a directory`, fix)];
    const probe = join(dir, `.doctor-${randomBytes(4).toString('hex')}`);
    try {
      writeFileSync(probe, 'retouch doctor');
      rmSync(probe);
    } catch (err) {
      return [fail('data-dir', `${dir} is not writable: ${(err as Error).message}`, fix)];
    }
    return [ok('data-dir', `${dir} is writable`)];
  },
};
