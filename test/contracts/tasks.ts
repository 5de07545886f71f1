/**
 * Tasks shared by the task conformance suites (task-repository.contract.ts,
 * task-queue.contract.ts, upstream-state.contract.ts).
 */
import { randomUUID } from 'node:crypto';
import type { NewTask } from '../../src/tasks/task-record.js';

export const T0 = 1_750_000_000_000;

export function newTask(overrides: Partial<NewTask> = {}): NewTask {
  return {
    id: randomUUID(),
    workspaceId: 'ws-a',
    apiKeyId: 'key-1',
    requestId: randomUUID(),
    model: 'm',
    prompt: 'p',
    negativePrompt: '',
    n: 2,
    size: undefined,
    seed: 42,
    promptExtend: true,
    watermark: false,
    inputKeys: ['ws-a/inputs/x/0.png'],
    submitTime: T0,
    expiresAt: T0 + 86_400_000,
    ...overrides,
  };
}
