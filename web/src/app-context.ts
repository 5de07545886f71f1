/** What every page needs: the SDK client, the key, the UI text, and a way to move between pages. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Client } from './api.js';
import type { Strings } from './i18n.js';

export interface AppContextValue {
  readonly client: Client;
  readonly apiKey: string;
  readonly t: Strings;
  readonly isAdmin: boolean;
  readonly navigate: (hash: string) => void;
  /** Hands a file to the Edit page ("edit again" from a result). */
  readonly editAgain: (file: File, prompt: string) => void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside AppContext');
  return value;
}

/** "2026-12-01 21:30:05" in the viewer's time zone. */
export function formatTime(epochMs: number | undefined): string {
  if (epochMs === undefined) return '—';
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
