/**
 * An upstream credential resolved from the environment at boot. It never prints: JSON, string
 * conversion and util.inspect all show "[redacted]", so a config object or a route that ends up
 * in a log line or an error body cannot leak it. Only `reveal()` gives the value, at the point
 * where a request header is built.
 */
import { inspect } from 'node:util';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
