/** The blob key layout (src/blobs/keys.ts): every key it makes is a safe key, and a result key names its owner. */
import { describe, expect, it } from 'vitest';
import { isSafeKey } from '../../src/blobs/blob-store.js';
import { contentTypeOf, inputBlobKey, resultBlobKey, resultKeyOwner, uploadBlobKey, workspaceTag } from '../../src/blobs/keys.js';

describe('blob keys', () => {
  it('lays out inputs, results and uploads as safe keys', () => {
    const id = '3f2a9c1e-0000-4000-8000-000000000001';
    expect(inputBlobKey('ws-a', id, 0, 'jpg')).toBe(`ws-a/inputs/3f/${id}.0.jpg`);
    expect(resultBlobKey('ws-a', id, 2, 'png')).toBe(`ws-a/results/3f/${id}.2.png`);
    expect(uploadBlobKey('ws-a', 'u1')).toBe(`uploads/${workspaceTag('ws-a')}/u1`);
    expect(workspaceTag('ws-a')).toMatch(/^[0-9a-f]{16}$/);
    expect(workspaceTag('ws-a')).not.toBe(workspaceTag('ws-b'));
    for (const key of [inputBlobKey('ws-a', 't1', 0, 'jpg'), resultBlobKey('ws-a', 't1', 2, 'png'), uploadBlobKey('ws-a', 'u1')]) {
      expect(isSafeKey(key)).toBe(true);
    }
  });

  it('reads the owner of a result key, of either layout, and of nothing else', () => {
    const id = '3f2a9c1e-0000-4000-8000-000000000001';
    expect(resultKeyOwner(resultBlobKey('ws-a', id, 2, 'png'))).toEqual({ workspaceId: 'ws-a', taskId: id });
    // The layout before shard folders (links signed before an upgrade stay valid for 24 h).
    expect(resultKeyOwner(`ws-a/results/${id}/0.png`)).toEqual({ workspaceId: 'ws-a', taskId: id });
    expect(resultKeyOwner(inputBlobKey('ws-a', id, 0, 'jpg'))).toBeUndefined();
    expect(resultKeyOwner(uploadBlobKey('ws-a', 'u1'))).toBeUndefined();
    expect(resultKeyOwner(`ws-a/results/3f/${id}/0.png`)).toBeUndefined();
    // A shard that is not the id's own is no result key of ours.
    expect(resultKeyOwner(`ws-a/results/aa/${id}.0.png`)).toBeUndefined();
  });

  it('maps the extensions it writes to content types', () => {
    expect(contentTypeOf('a/b/0.png')).toBe('image/png');
    expect(contentTypeOf('a/b/0.JPG')).toBe('image/jpeg');
    expect(contentTypeOf('a/b/0.webp')).toBe('image/webp');
    expect(contentTypeOf('uploads/tag/u1')).toBe('application/octet-stream');
  });
});
