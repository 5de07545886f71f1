/**
 * What the server has shown it supports, learnt from its answers (never assumed): long-poll
 * (`Preference-Applied` on a read that carried `Prefer: wait=N`) and Idempotency-Key (the key
 * echoed on a create's answer). retouch does both; DashScope neither, and there the SDK behaves
 * as a plain DashScope client.
 */
export interface ServerCapabilities {
  /** The wait hint to send for a read allowed to wait `seconds` (0: send none). */
  waitHint(seconds: number): number;
  /** Records a read's answer; true when the server held it (long-poll honoured). */
  sawRead(res: Response, hinted: number): boolean;
  /** Records a keyed create's answer. */
  sawCreate(res: Response, key: string | false): void;
  /** True once retrying a keyed create cannot make a second task. */
  readonly honoursKeys: boolean;
}

export function createServerCapabilities(baseUrl: string, longPollOption: 'auto' | boolean | undefined): ServerCapabilities {
  // DashScope's own hosts never get the hint ('auto'); `true` forces it, `false` turns it off.
  const dashscope = /(^|\.)aliyuncs\.com$/i.test(new URL(baseUrl).hostname);
  let longPoll: 'unknown' | 'yes' | 'no' = longPollOption === false || (longPollOption !== true && dashscope) ? 'no' : 'unknown';
  let honoursKeys = false;
  return {
    waitHint: (seconds) => (longPoll === 'no' || seconds < 1 ? 0 : Math.floor(seconds)),
    sawRead(res, hinted) {
      if (hinted === 0 || !res.ok) return false;
      const waited = res.headers.has('preference-applied');
      // A server that ignores the hint once never gets it again; one that honoured it before
      // may still answer at once when busy (retouch at its long-poll capacity) and keeps it.
      if (waited) {
        longPoll = 'yes';
        // The same releases of retouch brought both.
        honoursKeys = true;
      } else if (longPoll === 'unknown') longPoll = 'no';
      return waited;
    },
    sawCreate(res, key) {
      if (key !== false && res.headers.get('idempotency-key') === key) honoursKeys = true;
    },
    get honoursKeys() {
      return honoursKeys;
    },
  };
}
