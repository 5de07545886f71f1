/**
 * Time formats of the protocol. DashScope reports task times in Beijing time (UTC+8, no DST)
 * as `YYYY-MM-DD HH:mm:ss.SSS`; the list API takes `YYYYMMDDhhmmss` bounds, which we read in
 * the same zone, and answers with epoch milliseconds.
 */
const BEIJING_OFFSET_MS = 8 * 3600_000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** 1758636850800 → "2025-09-23 22:14:10.800" */
export function formatTaskTime(epochMs: number): string {
  const d = new Date(epochMs + BEIJING_OFFSET_MS);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

/** "2025-09-23 22:14:10.800" → epoch ms, or undefined when malformed. */
export function parseTaskTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, ms!) - BEIJING_OFFSET_MS;
}

/** "20230420193058" (Beijing time) → epoch ms, or undefined when it is not a real date-time. */
export function parseListTime(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || s! > 59) return undefined;
  const utc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  // Reject dates that roll over (e.g. Feb 30).
  if (new Date(utc).getUTCDate() !== d) return undefined;
  return utc - BEIJING_OFFSET_MS;
}

/** epoch ms → "20230420193058" (Beijing time). */
export function formatListTime(epochMs: number): string {
  const d = new Date(epochMs + BEIJING_OFFSET_MS);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` + `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}
