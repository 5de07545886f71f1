/**
 * The shape of one operation module (ops/<name>.ts): everything about an operation in one place —
 * how people say it (trigger, phrases in English and Chinese, the parse of a clause), what it
 * changes (traits), how the plan step is written back (`actual_prompt`), how it runs (its step),
 * and its catalogue entry (docs/edits.md). The registry (ops/index.ts) lists the modules; the
 * parser, the description, the executor, the catalogue and the suggestions all read it.
 */
import type { Img } from '../image.js';
import type { Pipe } from '../pipeline.js';
import type { Clause } from '../parser/clause.js';
import type { Operation, OperationKind } from '../plan.js';
import type { StepContext } from '../steps/context.js';

export type OpOf<K extends OperationKind> = Extract<Operation, { op: K }>;

/** What an operation changes; a preservation clause ("keep the colours unchanged") must not name it. */
export type Aspect = 'colour' | 'geometry' | 'background' | 'content';

export interface Traits {
  /** Needs the ML models (./ml). */
  readonly ml?: true;
  /** Depends on the request seed. */
  readonly seeded?: true;
  /** Reads other inputs and replaces the current image. */
  readonly fusion?: true;
  /** States the output size ("resize to 800x600", "upscale 2x"): the result is not refitted. */
  readonly sizing?: true;
  /** Doing it twice in a row is doing it once ("cut out the subject and make the background transparent"). */
  readonly idempotent?: true;
  /** Kinds this one already does when it directly follows them ("cut out the subject, then a white background"). */
  readonly subsumes?: readonly OperationKind[];
  readonly changes: readonly Aspect[];
}

/** How one plan operation kind is written back and run. */
export interface KindSpec<K extends OperationKind> {
  readonly traits: Traits;
  /** The step as explicit text (part of `actual_prompt`), English or Chinese. */
  describe(op: OpOf<K>, zh: boolean): string;
  /**
   * The step as libvips operations that can join the plan's pipeline (pipeline.ts), or undefined
   * when this operation's parameters need `run`. A kind has a `pipe`, a `run`, or both.
   */
  pipe?(op: OpOf<K>, size: Size, ctx: StepContext): Pipe | undefined | Promise<Pipe | undefined>;
  /** The step on raw pixels. */
  run?(img: Img, op: OpOf<K>, ctx: StepContext): Promise<Img>;
}

/** What a `pipe` may know of the image before it is computed. */
export interface Size {
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
}

export type Kinds = { readonly [K in OperationKind]?: KindSpec<K> };

export type Family = 'Tone and colour' | 'Geometry' | 'Filters' | 'Text' | 'Several images (2–3 inputs)' | 'With the built-in ML models';

export type DemoInputs = 'scene' | 'small-scene' | 'figure' | 'two' | 'three' | 'text-on-scene' | 'tilted' | 'dark' | 'cast';

export interface CatalogueEntry {
  readonly title: string;
  readonly family: Family;
  /** Example instructions; each must parse to one of the module's kinds (checked by the tests and the generator). */
  readonly en: readonly string[];
  readonly zh: readonly string[];
  /** Parameters, defaults and amount words, in prose. */
  readonly params: string;
  readonly demo?: { readonly prompt: string; readonly inputs?: DemoInputs; readonly ml?: true };
}

export interface OpModule {
  /** Catalogue id (kebab-case), also the picture's file name. */
  readonly id: string;
  /** How the operation is named in messages and suggestions. */
  readonly name: string;
  /** Words of its meaning (synonyms, what it is about), EN and ZH, for meaning-based suggestions. */
  readonly concepts: readonly string[];
  /** A clause is offered to `parse` only when this matches. */
  readonly trigger: RegExp;
  /** Takes the words it understands from the clause and returns the operations, or undefined. */
  parse(c: Clause): Operation | Operation[] | undefined;
  /** The plan operation kinds this module owns (describe + run). */
  readonly kinds: Kinds;
  readonly catalogue?: CatalogueEntry;
}

export function defineOp(module: OpModule): OpModule {
  return module;
}
