/** The same request as curl, SDK and CLI commands, each with a copy button. */
import { useState } from 'preact/hooks';
import { useApp } from '../app-context.js';
import { apiBase } from '../api.js';

/** What the console sent, with the input files by name (the commands read them from disk). */
export interface SubmittedRequest {
  readonly model: string;
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly files: readonly string[];
  readonly formats: readonly string[];
  readonly n: number;
  readonly size: string | undefined;
  readonly seed: number | undefined;
  readonly watermark: boolean;
  readonly promptExtend: boolean;
}

/** POSIX-shell single quoting. */
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function curlCommand(r: SubmittedRequest): string {
  const parameters: Record<string, unknown> = { n: r.n, watermark: r.watermark, prompt_extend: r.promptExtend };
  if (r.size) parameters.size = r.size;
  if (r.seed !== undefined) parameters.seed = r.seed;
  // The images are spliced in by the shell (base64 of each file) so the command stays short.
  const marker = (i: number) => `@@IMAGE${i}@@`;
  const input: Record<string, unknown> = { prompt: r.prompt, images: r.files.map((_, i) => marker(i)) };
  if (r.negativePrompt) input.negative_prompt = r.negativePrompt;
  let body = sh(JSON.stringify({ model: r.model, input, parameters }));
  r.files.forEach((file, i) => {
    body = body.replace(marker(i), `data:image/${r.formats[i] ?? 'png'};base64,'"$(base64 -w0 ${sh(file)})"'`);
  });
  return [
    `curl -sS ${sh(`${apiBase()}/services/aigc/image2image/image-synthesis`)} \\`,
    `  -H "Authorization: Bearer $DASHSCOPE_API_KEY" \\`,
    `  -H 'Content-Type: application/json' -H 'X-DashScope-Async: enable' \\`,
    `  -d ${body}`,
  ].join('\n');
}

export function sdkCommand(r: SubmittedRequest): string {
  const options: string[] = [`model: ${JSON.stringify(r.model)}`, `prompt: ${JSON.stringify(r.prompt)}`, `images: ${JSON.stringify(r.files)}`];
  if (r.negativePrompt) options.push(`negativePrompt: ${JSON.stringify(r.negativePrompt)}`);
  options.push(`n: ${r.n}`);
  if (r.size) options.push(`size: ${JSON.stringify(r.size)}`);
  if (r.seed !== undefined) options.push(`seed: ${r.seed}`);
  options.push(`watermark: ${r.watermark}`, `promptExtend: ${r.promptExtend}`, `outputDir: 'out'`);
  return [
    `import { createClient } from '@retouch/sdk';`,
    ``,
    `const client = createClient({ baseUrl: ${JSON.stringify(apiBase())}, apiKey: process.env.DASHSCOPE_API_KEY });`,
    `const result = await client.edit({`,
    ...options.map((o) => `  ${o},`),
    `});`,
    `console.log(result.status, result.download?.images);`,
  ].join('\n');
}

export function cliCommand(r: SubmittedRequest): string {
  const args = [`retouch edit ${r.files.map(sh).join(' ')}`, `--server ${sh(location.origin)}`, `-p ${sh(r.prompt)}`, `--model ${sh(r.model)}`, `-n ${r.n}`];
  if (r.negativePrompt) args.push(`--negative-prompt ${sh(r.negativePrompt)}`);
  if (r.size) args.push(`--size ${sh(r.size)}`);
  if (r.seed !== undefined) args.push(`--seed ${r.seed}`);
  if (r.watermark) args.push('--watermark');
  if (!r.promptExtend) args.push('--no-prompt-extend');
  args.push('-o out');
  return args.join(' \\\n  ');
}

function CopyBlock(props: { title: string; text: string; id: string }) {
  const { t } = useApp();
  const [copied, setCopied] = useState(false);
  return (
    <div class="command">
      <div class="command-head">
        <h4 id={`${props.id}-title`}>{props.title}</h4>
        <button
          type="button"
          aria-describedby={`${props.id}-title`}
          onClick={async () => {
            await navigator.clipboard.writeText(props.text);
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          }}
        >
          {copied ? t.copied : t.copy}
        </button>
      </div>
      <pre tabIndex={0} aria-labelledby={`${props.id}-title`} data-command={props.id}>
        <code>{props.text}</code>
      </pre>
    </div>
  );
}

export function Commands(props: { request: SubmittedRequest }) {
  const { t } = useApp();
  return (
    <details class="commands">
      <summary>{t.commands}</summary>
      <CopyBlock id="curl" title="curl" text={curlCommand(props.request)} />
      <CopyBlock id="sdk" title="TypeScript SDK" text={sdkCommand(props.request)} />
      <CopyBlock id="cli" title="CLI" text={cliCommand(props.request)} />
    </details>
  );
}
