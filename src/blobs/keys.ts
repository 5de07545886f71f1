/**
 * The blob key layout, in one place. Keys are ours (safe characters only, see isSafeKey in
 * blob-store.ts); what a client chose (an upload's `oss://` key) never becomes a blob key.
 *
 * - `<workspace>/inputs/<shard>/<task id>.<index>.<ext>`: a task's input images, stored at create;
 * - `<workspace>/results/<shard>/<task id>.<index>.<ext>`: a task's outputs, written by the worker;
 * - `uploads/<workspace tag>/<uuid>`: the bytes of a temporary upload (src/uploads).
 *
 * `<shard>` is the task id's first two characters (256 folders for UUIDs). A folder per task
 * meant a new directory for every input and every result, and on ext4 a new directory is placed
 * in another block group each time: ~70 µs more CPU per task than files in a few hundred folders
 * that already exist (docs/benchmarks.md). Keys of the earlier layout,
 * `<workspace>/{inputs,results}/<task id>/<index>.<ext>`, are still read where they are stored
 * (a task row names its keys), and their result links still name their owner.
 *
 * The workspace leads the task keys, so that a result link names the workspace it belongs to
 * (resultKeyOwner, used by the API to answer a link of a deleted task).
 */
import { createHash } from 'node:crypto';

const shardOf = (taskId: string) => taskId.slice(0, 2);

export function inputBlobKey(workspaceId: string, taskId: string, index: number, extension: string): string {
  return `${workspaceId}/inputs/${shardOf(taskId)}/${taskId}.${index}.${extension}`;
}

export function resultBlobKey(workspaceId: string, taskId: string, index: number, extension: string): string {
  return `${workspaceId}/results/${shardOf(taskId)}/${taskId}.${index}.${extension}`;
}

/** The workspace and task of a result key (either layout); undefined for any other key. */
export function resultKeyOwner(key: string): { workspaceId: string; taskId: string } | undefined {
  const sharded = /^([^/]+)\/results\/([^/]{2})\/(([^/]{2})[^/]*)\.\d+\.[^./]+$/.exec(key);
  if (sharded && sharded[2] === sharded[4]) return { workspaceId: sharded[1]!, taskId: sharded[3]! };
  const legacy = /^([^/]+)\/results\/([^/]{3,})\/[^/]+$/.exec(key);
  return legacy ? { workspaceId: legacy[1]!, taskId: legacy[2]! } : undefined;
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
