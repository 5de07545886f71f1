/**
 * The blob key layout, in one place. Keys are ours (safe characters only, see isSafeKey in
 * blob-store.ts); what a client chose (an upload's `oss://` key) never becomes a blob key.
 *
 * - `<workspace>/inputs/<task id>/<index>.<ext>`: a task's input images, stored at create;
 * - `<workspace>/results/<task id>/<index>.<ext>`: a task's outputs, written by the worker;
 * - `uploads/<workspace tag>/<uuid>`: the bytes of a temporary upload (src/uploads).
 *
 * The workspace leads the task keys, so that a result link names the workspace it belongs to
 * (resultKeyOwner, used by the API to answer a link of a deleted task).
 */
import { createHash } from 'node:crypto';

export function inputBlobKey(workspaceId: string, taskId: string, index: number, extension: string): string {
  return `${workspaceId}/inputs/${taskId}/${index}.${extension}`;
}

export function resultBlobKey(workspaceId: string, taskId: string, index: number, extension: string): string {
  return `${workspaceId}/results/${taskId}/${index}.${extension}`;
}

/** The workspace and task of a result key; undefined for any other key. */
export function resultKeyOwner(key: string): { workspaceId: string; taskId: string } | undefined {
  const m = /^([^/]+)\/results\/([^/]+)\/[^/]+$/.exec(key);
  return m ? { workspaceId: m[1]!, taskId: m[2]! } : undefined;
}

export function uploadBlobKey(workspaceId: string, id: string): string {
  return `uploads/${workspaceTag(workspaceId)}/${id}`;
}

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  bmp: 'image/bmp',
};

/** The content type a key's extension stands for (application/octet-stream for none we write). */
export function contentTypeOf(key: string): string {
  return CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';
}

/** A short tag standing for a workspace in keys and upload paths, without spelling out its id. */
export function workspaceTag(workspaceId: string): string {
  return createHash('sha256').update(workspaceId).digest('hex').slice(0, 16);
}
