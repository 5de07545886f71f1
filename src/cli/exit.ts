/** Exit codes of the client commands (`edit`, `tasks`). */
export const ExitCode = {
  ok: 0,
  /** Network, server or unexpected errors. */
  error: 1,
  /** Bad flags or arguments (also commander's own usage errors). */
  usage: 2,
  /** The task SUCCEEDED but some images failed (in the task or while downloading). */
  partial: 3,
  /** The task FAILED, was CANCELED, or is UNKNOWN (expired or never existed). */
  taskFailed: 4,
} as const;

/** A mistake in the command line: reported on stderr with exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The exit code for a settled task and what was saved of it. */
export function exitCodeFor(status: string, saved: number, failed: number): number {
  if (status !== 'SUCCEEDED') return ExitCode.taskFailed;
  if (failed === 0) return ExitCode.ok;
  return saved > 0 ? ExitCode.partial : ExitCode.error;
}
