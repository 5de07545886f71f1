import { readFileSync } from 'node:fs';
import { parseInstruction } from './src/engines/local/parser/index.js';
import { EXPECTED, planMatches } from './test/engines/local/phrasings-expected.js';
const rows = readFileSync('/work/shared/phrasings/phrasings.jsonl','utf8').trim().split('\n').map(l=>JSON.parse(l));
let acc=0, ok=0, gref=0, gmsg=0; const bad: string[]=[];
for (const r of rows) {
  let plan: any; let err: any;
  try { plan = parseInstruction(r.prompt); } catch (e) { err = e; }
  if (r.kind==='D') {
    if (plan) acc++;
    const good = plan && planMatches(plan.operations, EXPECTED[r.id]!);
    if (good) ok++; else bad.push(`${r.id} ${r.prompt} => ${plan ? JSON.stringify(plan.operations) : 'ERR '+err.message.slice(0,200)}`);
  } else {
    if (!plan) { gref++; if (/generative/i.test(err.message)) gmsg++; else bad.push(`${r.id} G ${r.prompt} => msg ${err.message.slice(0,200)}`); }
    else bad.push(`${r.id} G ${r.prompt} => ACCEPTED ${JSON.stringify(plan.operations)}`);
  }
}
console.log(`doable accepted ${acc}/126, correct ${ok}/126; generative refused ${gref}/25, with generative message ${gmsg}/25`);
if (process.argv.includes('-v')) console.log(bad.join('\n'));
