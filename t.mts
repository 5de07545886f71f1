import { understand } from './src/engines/local/parser/index.js';
understand('把照片调亮'); understand('make it brighter');
const inputs = ['and '.repeat(490), 'one '.repeat(490), 'remove '.repeat(280), '图'.repeat(1990), 'a'.repeat(1999), `"${'x'.repeat(1990)}`, 'rotate 9'.repeat(240)];
for (const i of inputs) { const t=performance.now(); const r = understand(i); console.log(i.slice(0,10), (performance.now()-t).toFixed(0), r.ok); }
