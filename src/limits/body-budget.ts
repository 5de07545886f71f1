/**
 * A process-wide budget for submission bodies being received and processed at once. A create
 * request's body (up to 42 MB of base64 JSON) costs about 3–4× its size while it is parsed and
 * decoded, so without a budget twenty concurrent large uploads take gigabytes. Each submission
 * reserves its declared Content-Length (the body limit when it has none, e.g. chunked) before
 * its body is read, and releases it when its response is done; over budget → 429 at once.
 */
export interface BodyBudget {
  /** A release function, or undefined when the bytes do not fit now. */
  reserve(bytes: number): (() => void) | undefined;
  readonly inUse: () => number;
}

export function createBodyBudget(totalBytes: number): BodyBudget {
  let inUse = 0;
  return {
    reserve(bytes) {
      // One request always fits into an idle server, whatever its size.
      if (inUse > 0 && inUse + bytes > totalBytes) return undefined;
      inUse += bytes;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inUse -= bytes;
      };
    },
    inUse: () => inUse,
  };
}
