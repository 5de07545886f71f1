/**
 * Amount words shared by the tone operations. Vague requests get the operation's default step;
 * the clause's amount word scales it ("slightly / a bit / 一点 / 稍微" ×0.5, "much / a lot / 大幅 /
 * 明显" ×2; see Clause.intensity, read from the whole clause before any word is taken, so "亮一点"
 * is half the default). "by N%" is relative, "to N%" absolute, "twice" ×2.
 */
import type { Clause } from '../parser/clause.js';

export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
export const round2 = (x: number): number => Math.round(x * 100) / 100;

export const UP =
  /\b(?:increase|increased|more|raise|boost|boosted|higher|up|enhance|stronger|add|plus|strengthen)\b|提高|增加|增强|加强|调高|提升|加大|加|高|强/;
export const DOWN =
  /\b(?:decrease|decreased|less|reduce|reduced|lower|down|weaken|weaker|minus|remove|tone\s+down|soften)\b|降低|减少|减弱|调低|减小|减|降|低|弱|压/;

/** A factor around 1: "by 30%" → 1.3; "to 150%" → 1.5; vague → 1 ± default × intensity. */
export function change(c: Clause, dir: number, def: number): number {
  const k = c.intensity();
  const to = c.take(/\b(?:to|at)\s+(?=-?\d+(?:\.\d+)?\s*%)|(?:到|为|至)\s*(?=-?\d+(?:\.\d+)?\s*%)/);
  const p = c.percent();
  if (p !== undefined && to) return round2(clamp(p, 0, 4));
  const m = p === undefined ? c.multiplier() : undefined;
  if (m !== undefined) return round2(clamp(dir < 0 ? 1 / m : m, 0, 4));
  c.take(/\bby\b/);
  const fraction = c.fraction();
  const amount = p !== undefined ? Math.abs(p) : (fraction ?? def * k);
  const sign = p !== undefined && p < 0 ? -1 : dir < 0 ? -1 : 1;
  return round2(clamp(1 + sign * amount, 0, 4));
}
