#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (the `prepare` script).
import { run } from '../dist/cli/main.js';

await run(process.argv);
