/**
 * Workflow templates: an API-format ComfyUI workflow (`{"<node id>": {"class_type", "inputs"}}`)
 * with placeholders, checked once when the route is loaded and filled for every output image.
 *
 * Placeholder syntax, in any string value of a node's `inputs`:
 * - a value that is exactly `"{{name}}"` becomes the value itself, typed: `{{seed}}`, `{{width}}`
 *   and `{{height}}` become JSON numbers, the others strings;
 * - `{{name}}` inside a longer string is replaced as text (`"retouch_{{seed}}"`).
 * Names: `prompt`, `negative_prompt`, `seed`, `width`, `height` (the output size), `image1`,
 * `image2`, `image3` (the uploaded inputs, as LoadImage expects them: "subfolder/name").
 * An unknown name is a configuration error.
 *
 * Fewer inputs than image placeholders: a node with an input of exactly `"{{imageK}}"` is removed
 * when the task has fewer than K images, and so is every input elsewhere that links to it
 * (`["<node id>", slot]`): wire LoadImage nodes for images 2 and 3 straight into optional inputs
 * (TextEncodeQwenImageEditPlus.image2/image3) and a one-image task runs the same template.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

export type WorkflowNode = { class_type: string; inputs: Record<string, unknown>; _meta?: unknown };
export type Workflow = Record<string, WorkflowNode>;

export const PLACEHOLDERS = ['prompt', 'negative_prompt', 'seed', 'width', 'height', 'image1', 'image2', 'image3'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
const NUMERIC = new Set<Placeholder>(['seed', 'width', 'height']);
const TOKEN = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;
const WHOLE = /^\{\{\s*([A-Za-z0-9_]+)\s*\}\}$/;

export interface WorkflowTemplate {
  readonly path: string;
  readonly outputNode: string;
  /** The most images the template can take (its highest {{imageK}}). */
  readonly maxImages: number;
  fill(values: FillValues): Workflow;
}

export interface FillValues {
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  /** LoadImage names of the uploaded inputs, image 1 first. */
  readonly images: readonly string[];
}

export class WorkflowError extends Error {
  override name = 'WorkflowError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLink = (v: unknown): v is [string, number] => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number';

function placeholdersIn(value: string): string[] {
  return [...value.matchAll(TOKEN)].map((m) => m[1]!);
}

/** Parses and checks a template; errors name the file and the node. */
export function parseWorkflow(json: unknown, path: string, outputNode?: string): WorkflowTemplate {
  const where = `workflow ${path}`;
  if (!isObject(json) || Object.keys(json).length === 0)
    throw new WorkflowError(`${where}: expected an API-format workflow, an object of nodes ("Export (API)" in ComfyUI).`);
  if ('nodes' in json && 'links' in json) throw new WorkflowError(`${where}: this is a UI-format workflow; export it with "Export (API)".`);
  const used = new Set<string>();
  for (const [id, node] of Object.entries(json)) {
    if (!isObject(node) || typeof node.class_type !== 'string' || !isObject(node.inputs)) {
      throw new WorkflowError(`${where}: node ${id} must have a class_type and an inputs object.`);
    }
    for (const [input, value] of Object.entries(node.inputs)) {
      if (typeof value !== 'string') continue;
      for (const name of placeholdersIn(value)) {
        if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
          throw new WorkflowError(
            `${where}: node ${id} input ${input} uses the unknown placeholder {{${name}}}; known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}.`,
          );
        }
        used.add(name);
      }
    }
  }
  if (!used.has('prompt')) throw new WorkflowError(`${where}: no input uses {{prompt}}.`);
  if (!used.has('image1')) throw new WorkflowError(`${where}: no input uses {{image1}} (a LoadImage node for the first input image).`);
  const workflow = json as Workflow;
  let output = outputNode;
  if (output === undefined) {
    const saves = Object.entries(workflow)
      .filter(([, n]) => n.class_type === 'SaveImage')
      .map(([id]) => id);
    if (saves.length !== 1) throw new WorkflowError(`${where}: found ${saves.length} SaveImage nodes; name the result node with "outputNode".`);
    output = saves[0]!;
  } else if (!workflow[output]) {
    throw new WorkflowError(`${where}: outputNode ${output} is not a node of the workflow.`);
  }
  const maxImages = used.has('image3') ? 3 : used.has('image2') ? 2 : 1;
  const template = JSON.stringify(workflow);

  return {
    path,
    outputNode: output,
    maxImages,
    fill(values) {
      const graph = JSON.parse(template) as Workflow;
      const typed: Record<Placeholder, string | number | undefined> = {
        prompt: values.prompt,
        negative_prompt: values.negativePrompt,
        seed: values.seed,
        width: values.width,
        height: values.height,
        image1: values.images[0],
        image2: values.images[1],
        image3: values.images[2],
      };
      const removed = new Set<string>();
      for (const [id, node] of Object.entries(graph)) {
        for (const value of Object.values(node.inputs)) {
          const whole = typeof value === 'string' ? WHOLE.exec(value)?.[1] : undefined;
          if (whole?.startsWith('image') && typed[whole as Placeholder] === undefined) removed.add(id);
        }
      }
      for (const id of removed) delete graph[id];
      for (const node of Object.values(graph)) {
        for (const [input, value] of Object.entries(node.inputs)) {
          if (isLink(value) && removed.has(value[0])) {
            delete node.inputs[input];
            continue;
          }
          if (typeof value !== 'string') continue;
          const whole = WHOLE.exec(value)?.[1] as Placeholder | undefined;
          if (whole) {
            const v = typed[whole];
            node.inputs[input] = NUMERIC.has(whole) ? Number(v) : String(v ?? '');
          } else if (value.includes('{{')) {
            node.inputs[input] = value.replace(TOKEN, (_m, name: string) => String(typed[name as Placeholder] ?? ''));
          }
        }
      }
      return graph;
    },
  };
}

export function loadWorkflow(path: string, baseDir: string | undefined, outputNode?: string): WorkflowTemplate {
  const full = isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    throw new WorkflowError(`workflow ${full}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WorkflowError(`workflow ${full}: is not valid JSON.`);
  }
  return parseWorkflow(json, full, outputNode);
}
