/**
 * The `tasks` table's row, as both SQL adapters read it, and its mapping to TaskRecord.
 * SQLite hands back booleans as 0/1 and JSON columns as text; PostgreSQL decodes them
 * (boolean, jsonb/text[]): the mapping accepts either.
 */
import type { StoredTaskStatus } from '@retouch/sdk/protocol';
import type { StoredResult, TaskRecord, UpstreamRef } from './task-record.js';

export interface TaskRow {
  id: string;
  workspace_id: string;
  api_key_id: string;
  request_id: string;
  model: string;
  status: string;
  prompt: string;
  negative_prompt: string;
  n: number;
  size: string | null;
  seed: number;
  prompt_extend: boolean | number;
  watermark: boolean | number;
  input_keys: string | string[];
  submit_time: number;
  scheduled_time: number | null;
  end_time: number | null;
  results: string | (StoredResult | null)[];
  code: string | null;
  message: string | null;
  attempts: number;
  expires_at: number;
  engine: string | null;
  upstream: string | UpstreamRef | null;
  revision?: number;
}

const json = <T>(value: string | T): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

export function toTaskRecord(row: TaskRow): TaskRecord {
  const [w, h] = row.size ? row.size.split('*').map(Number) : [];
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    apiKeyId: row.api_key_id,
    requestId: row.request_id,
    model: row.model,
    status: row.status as StoredTaskStatus,
    prompt: row.prompt,
    negativePrompt: row.negative_prompt,
    n: row.n,
    size: w && h ? { width: w, height: h } : undefined,
    seed: row.seed,
    promptExtend: Boolean(row.prompt_extend),
    watermark: Boolean(row.watermark),
    inputKeys: json<string[]>(row.input_keys),
    submitTime: row.submit_time,
    scheduledTime: row.scheduled_time ?? undefined,
    endTime: row.end_time ?? undefined,
    results: json<(StoredResult | null)[]>(row.results),
    code: row.code ?? undefined,
    message: row.message ?? undefined,
    attempts: row.attempts,
    expiresAt: row.expires_at,
    engine: row.engine ?? undefined,
    upstream: row.upstream === null ? undefined : json<UpstreamRef>(row.upstream),
    revision: row.revision ?? 0,
  };
}
