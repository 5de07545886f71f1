// dist/cjs is CommonJS although the package is "type": "module": a nested package.json says so
// to Node (and to TypeScript, which then reads the .d.ts files beside it as CommonJS).
import { writeFileSync } from 'node:fs';

writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
