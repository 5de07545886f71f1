/**
 * The engine kinds a route may name (see ./kind.ts). Adding one is one line here; `auto` is not a
 * kind but a router over two routes (routing-table.ts, router.ts).
 */
import { comfyuiKind } from '../comfyui/index.js';
import { dashscopeKind } from '../dashscope/index.js';
import { openaiKind } from '../openai/index.js';
import type { EngineKind } from './kind.js';
import { localKind } from './local-kind.js';

export const KINDS: Readonly<Record<string, EngineKind>> = {
  local: localKind,
  dashscope: dashscopeKind,
  openai: openaiKind,
  comfyui: comfyuiKind,
};

/** Engine names a route may give, in the order docs and errors list them. */
export const engineNames = (): string[] => ['local', 'auto', ...Object.keys(KINDS).filter((k) => k !== 'local')];
