/**
 * Runs every check and collects the findings; a check that throws is itself a finding (a
 * doctor that crashes on the fault it should report is no use).
 */
import type { Config } from '../config.js';
import { fail, type Check, type DoctorContext, type Finding } from './check.js';
import { blobsCheck } from './checks/blobs.js';
import { clockCheck } from './checks/clock.js';
import { dataDirCheck } from './checks/data-dir.js';
import { fontsCheck } from './checks/fonts.js';
import { modelsCheck } from './checks/models.js';
import { routesCheck } from './checks/routes.js';
import { storeCheck } from './checks/store.js';

export const CHECKS: readonly Check[] = [dataDirCheck, storeCheck, blobsCheck, fontsCheck, modelsCheck, routesCheck, clockCheck];

export interface DoctorReport {
  readonly ok: boolean;
  readonly findings: readonly Finding[];
}

export async function runDoctor(config: Config | undefined, configProblem: Finding | undefined, checks: readonly Check[] = CHECKS): Promise<DoctorReport> {
  const ctx: DoctorContext = { config, now: () => Date.now() };
  const findings: Finding[] = [configProblem ?? { check: 'config', status: 'ok', summary: 'configuration loads (RETOUCH_* variables and flags)' }];
  for (const check of checks) {
    if (check.needsConfig && !config) continue;
    try {
      findings.push(...(await check.run(ctx)));
    } catch (err) {
      findings.push(fail(check.id, `the check itself failed: ${(err as Error).message}`, 'report this with the output of `retouch doctor --json`'));
    }
  }
  return { ok: findings.every((f) => f.status !== 'fail'), findings };
}
