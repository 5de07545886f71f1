// Minimal typings for the part of s3rver (devDependency, MIT, no bundled types) the tests use.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  interface Options {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    configureBuckets?: { name: string }[];
  }
  type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
  interface KoaContext {
    method: string;
    path: string;
    querystring: string;
    status: number;
    body: unknown;
    type: string;
    get(header: string): string;
  }
  export default class S3rver {
    constructor(options: Options);
    middleware: Middleware[];
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
