/** The worker plumbing: abort, queueing, crash recovery (no model weights needed). */
import { afterAll, describe, expect, it } from 'vitest';
import { EditError } from '../../../src/engines/engine.js';
import { MlWorkerClient } from '../../../src/engines/local/ml/index.js';

const ml = new MlWorkerClient();
afterAll(() => ml.close());

describe('ML worker', () => {
  it('rejects at once when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('gone'));
    await expect(ml.request({ op: 'sleep', ms: 10 }, [], ac.signal)).rejects.toThrow('gone');
  });

  it('aborting a running request rejects promptly; a queued one is dropped', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const running = ml.request({ op: 'sleep', ms: 1500 }, [], ac.signal);
    const queued = ml.request({ op: 'sleep', ms: 1500 }, [], ac.signal);
    setTimeout(() => ac.abort(new Error('cancelled')), 100);
    await expect(running).rejects.toThrow('cancelled');
    await expect(queued).rejects.toThrow('cancelled');
    expect(Date.now() - t0).toBeLessThan(1000);
    // The main thread stays responsive while the worker is busy.
    const lag = await new Promise<number>((r) => {
      const t = Date.now();
      setTimeout(() => r(Date.now() - t - 20), 20);
    });
    expect(lag).toBeLessThan(200);
    // The next request on the same model waits for the slot, then runs.
    await expect(ml.request({ op: 'sleep', ms: 10 }, [])).resolves.toEqual({ kind: 'none' });
  });

  it('a crashed worker rejects with an EditError and the next call starts a fresh worker', async () => {
    await ml.request({ op: 'sleep', ms: 1 }, []);
    const before = ml.starts;
    const err = await ml.request({ op: 'crash' }, []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EditError);
    expect((err as EditError).code).toBe('InternalError.Algo');
    await expect(ml.request({ op: 'sleep', ms: 1 }, [])).resolves.toEqual({ kind: 'none' });
    expect(ml.starts).toBe(before + 1);
  });

  it('rejects bad input with InvalidParameter', async () => {
    await expect(ml.detectFaces({ data: Buffer.alloc(10), width: 10, height: 10, channels: 3 }, new AbortController().signal)).rejects.toMatchObject({
      code: 'InvalidParameter',
    });
  });

  it('stops an idle worker after idleTimeoutMs (its memory goes back) and starts a fresh one on demand', async () => {
    const idle = new MlWorkerClient({ idleTimeoutMs: 200 });
    try {
      await idle.request({ op: 'sleep', ms: 1 }, []);
      expect(idle.hasWorker).toBe(true);
      // Busy longer than the timeout: a running request keeps the worker.
      await idle.request({ op: 'sleep', ms: 400 }, []);
      expect(idle.hasWorker).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(idle.hasWorker).toBe(false);
      expect(idle.starts).toBe(1);
      await expect(idle.request({ op: 'sleep', ms: 1 }, [])).resolves.toEqual({ kind: 'none' });
      expect(idle.starts).toBe(2);
    } finally {
      await idle.close();
    }
  });

  it('recycles a worker whose heap grew past recycleAboveBytes as soon as nothing else runs in it; a light one is kept', async () => {
    const client = new MlWorkerClient({ idleTimeoutMs: 0, recycleAboveBytes: 256 * 1024 * 1024 });
    try {
      await client.request({ op: 'grow', mb: 16 }, []);
      expect([client.hasWorker, client.recycles]).toEqual([true, 0]);
      // A request queued behind the heavy one runs on a fresh worker.
      const heavy = client.request({ op: 'grow', mb: 400 }, []);
      const next = client.request({ op: 'grow', mb: 1 }, []);
      await heavy;
      expect(client.recycles).toBe(1);
      await expect(next).resolves.toEqual({ kind: 'none' });
      expect(client.starts).toBe(2);
      expect(client.hasWorker).toBe(true);
    } finally {
      await client.close();
    }
  });
});
