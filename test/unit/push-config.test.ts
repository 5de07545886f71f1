import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('config: long-poll and SSE', () => {
  it('defaults: 60 s long-poll cap, 256 per workspace, 4096 per process, 15 s heartbeats', () => {
    expect(loadConfig({}).push).toEqual({ maxWaitMs: 60_000, maxPerWorkspace: 256, maxTotal: 4096, heartbeatMs: 15_000 });
  });

  it('reads the settings and refuses a cap the request timeout would cut short', () => {
    const push = loadConfig({
      RETOUCH_LONG_POLL_MAX_WAIT: '90s',
      RETOUCH_PUSH_MAX_PER_WORKSPACE: '10',
      RETOUCH_PUSH_MAX_TOTAL: '20',
      RETOUCH_SSE_HEARTBEAT: '500ms',
    }).push;
    expect(push).toEqual({ maxWaitMs: 90_000, maxPerWorkspace: 10, maxTotal: 20, heartbeatMs: 500 });
    expect(() => loadConfig({ RETOUCH_LONG_POLL_MAX_WAIT: '111s' })).toThrow(/RETOUCH_LONG_POLL_MAX_WAIT/);
    expect(() => loadConfig({ RETOUCH_LONG_POLL_MAX_WAIT: '500ms' })).toThrow(/RETOUCH_LONG_POLL_MAX_WAIT/);
    expect(() => loadConfig({ RETOUCH_PUSH_MAX_PER_WORKSPACE: '0' })).toThrow(/RETOUCH_PUSH_MAX_PER_WORKSPACE/);
    expect(() => loadConfig({ RETOUCH_SSE_HEARTBEAT: 'often' })).toThrow(/RETOUCH_SSE_HEARTBEAT/);
    expect(() => loadConfig({ RETOUCH_SSE_HEARTBEAT: '2m' })).toThrow(/RETOUCH_SSE_HEARTBEAT/);
  });
});
