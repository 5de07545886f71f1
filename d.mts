import { understand } from './src/engines/local/parser/index.js';
import { normalize } from './src/engines/local/parser/normalize.js';
for (const p of process.argv.slice(2)) { console.log(JSON.stringify(normalize(p).text)); console.log(JSON.stringify(understand(p))); }
