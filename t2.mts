import { detectTilt } from './src/engines/local/steps/straighten.js';
import { fill } from './test/engines/local/helpers.js';
const level = fill(400, 300, (_x, y) => (y < 150 ? [120, 170, 230] : [60, 110, 50]));
console.log(await detectTilt(level));
