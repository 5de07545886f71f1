/**
 * The Edit page: images, instruction and parameters, checked in the browser with the protocol's
 * rules (validateCreateRequest and the image limits, so the messages are the server's own),
 * then submitted through the SDK and followed in a TaskView.
 */
import { useEffect, useState } from 'preact/hooks';
import { isRequestProblem, MAX_SEED, MODEL_WAN25_I2I, validateCreateRequest } from '@retouch/sdk/protocol';
import { useApp } from '../app-context.js';
import { describeError, listModels, type ModelInfo } from '../api.js';
import { imageProblem, pickImage, toDataUri, type PickedImage } from '../images.js';
import type { SubmittedRequest } from './commands.js';
import { ImagePicker } from './image-picker.js';
import { sessionTasks, TaskView } from './task-view.js';

export interface EditSeed {
  readonly file: File;
  readonly prompt: string;
  readonly at: number;
}

/** Sizes within [768², 1280²] pixels and [1:4, 4:1]. */
const SIZE_PRESETS = ['1280*1280', '1024*1024', '768*768', '1280*720', '720*1280', '1152*864', '864*1152', '1536*640'];

/**
 * A problem to show: a local check's (a RequestProblem) or one the server answered, with its own
 * code; or the model list's failure, labelled in the page's language (as it is when switched).
 */
interface ShownProblem {
  readonly code: string;
  readonly message: string;
  readonly models?: true;
}

export function EditPage(props: { seed: EditSeed | undefined }) {
  const { client, t } = useApp();
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [images, setImages] = useState<PickedImage[]>([]);
  const [model, setModel] = useState('');
  const [prompt, setPrompt] = useState('');
  const [negative, setNegative] = useState('');
  const [n, setN] = useState(1);
  const [sizeChoice, setSizeChoice] = useState('auto');
  const [width, setWidth] = useState('1280');
  const [height, setHeight] = useState('720');
  const [seed, setSeed] = useState('');
  const [watermark, setWatermark] = useState(false);
  const [promptExtend, setPromptExtend] = useState(true);
  const [problem, setProblem] = useState<ShownProblem | undefined>();
  const [busy, setBusy] = useState(false);
  const [taskId, setTaskId] = useState<string | undefined>();

  useEffect(() => {
    listModels(client)
      .then(({ models }) => {
        setModels(models);
        setModel((m) => m || models[0]!.id);
      })
      .catch((err) => {
        // The list is a convenience: without it, the protocol's default model can still be used.
        setModels((list) => (list.length > 0 ? list : [{ id: MODEL_WAN25_I2I }]));
        setModel((m) => m || MODEL_WAN25_I2I);
        setProblem({ code: '', message: describeError(err), models: true });
      });
  }, [client]);

  useEffect(() => {
    if (!props.seed) return;
    void pickImage(props.seed.file).then((picked) => setImages([picked]));
    setPrompt(props.seed.prompt);
    setTaskId(undefined);
  }, [props.seed?.at]);

  const size = sizeChoice === 'auto' ? undefined : sizeChoice === 'custom' ? `${width}*${height}` : sizeChoice;

  const submit = async (e: Event) => {
    e.preventDefault();
    setProblem(undefined);
    const parameters: Record<string, unknown> = { n, watermark, prompt_extend: promptExtend };
    if (size) parameters.size = size;
    if (seed.trim() !== '') parameters.seed = Number(seed);
    // The protocol's own validation, with placeholders for images (checked one by one below).
    const checked = validateCreateRequest({ model, input: { prompt, negative_prompt: negative, images: images.map((_, i) => `image-${i}`) }, parameters });
    const found = isRequestProblem(checked) ? checked : images.map(imageProblem).find(Boolean);
    if (found) {
      setProblem(found);
      return;
    }
    setBusy(true);
    try {
      const uris = await Promise.all(images.map(toDataUri));
      const created = await client.createTask({
        model,
        prompt,
        images: uris,
        n,
        watermark,
        promptExtend,
        ...(negative ? { negativePrompt: negative } : {}),
        ...(size ? { size } : {}),
        ...(parameters.seed !== undefined ? { seed: Number(seed) } : {}),
      });
      const request: SubmittedRequest = {
        model,
        prompt,
        negativePrompt: negative,
        files: images.map((im) => im.file.name),
        formats: images.map((im) => im.format ?? 'png'),
        n,
        size,
        seed: parameters.seed !== undefined ? Number(seed) : undefined,
        watermark,
        promptExtend,
      };
      sessionTasks.set(created.output.task_id, { inputs: images, request });
      setTaskId(created.output.task_id);
    } catch (err) {
      setProblem({ code: '', message: describeError(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <section class="card" aria-labelledby="edit-title">
        <h1 id="edit-title">{t.editTitle}</h1>
        <form onSubmit={submit} noValidate>
          <ImagePicker images={images} onChange={setImages} />
          <label for="instruction">{t.instruction}</label>
          <textarea id="instruction" rows={3} value={prompt} aria-describedby="instruction-hint" onInput={(e) => setPrompt(e.currentTarget.value)} />
          <p id="instruction-hint" class="hint">
            {t.instructionHint}
          </p>
          <details class="more">
            <summary>{t.negativePrompt}</summary>
            <label for="negative" class="sr-only">
              {t.negativePrompt}
            </label>
            <input id="negative" value={negative} onInput={(e) => setNegative(e.currentTarget.value)} />
          </details>
          <div class="grid">
            <div class="wide">
              <label for="model">{t.model}</label>
              <select id="model" value={model} onChange={(e) => setModel(e.currentTarget.value)}>
                {models.map((m) => (
                  <option value={m.id}>{m.engine ? `${m.id} (${m.engine})` : m.id}</option>
                ))}
              </select>
            </div>
            <div>
              <label for="n">{t.count}</label>
              <select id="n" value={String(n)} onChange={(e) => setN(Number(e.currentTarget.value))}>
                {[1, 2, 3, 4].map((v) => (
                  <option value={String(v)}>{v}</option>
                ))}
              </select>
            </div>
            <div>
              <label for="size">{t.size}</label>
              <select id="size" value={sizeChoice} onChange={(e) => setSizeChoice(e.currentTarget.value)}>
                <option value="auto">{t.sizeAuto}</option>
                {SIZE_PRESETS.map((s) => (
                  <option value={s}>{s.replace('*', '×')}</option>
                ))}
                <option value="custom">{t.sizeCustom}</option>
              </select>
            </div>
            {sizeChoice === 'custom' && (
              <div class="pair">
                <div>
                  <label for="width">{t.width}</label>
                  <input id="width" inputMode="numeric" value={width} onInput={(e) => setWidth(e.currentTarget.value)} />
                </div>
                <div>
                  <label for="height">{t.height}</label>
                  <input id="height" inputMode="numeric" value={height} onInput={(e) => setHeight(e.currentTarget.value)} />
                </div>
              </div>
            )}
            <div>
              <label for="seed">{t.seed}</label>
              <input id="seed" type="number" min={0} max={MAX_SEED} value={seed} aria-describedby="seed-hint" onInput={(e) => setSeed(e.currentTarget.value)} />
              <p id="seed-hint" class="hint">
                {t.seedHint}
              </p>
            </div>
          </div>
          <label class="check">
            <input type="checkbox" checked={watermark} onChange={(e) => setWatermark(e.currentTarget.checked)} /> {t.watermark}
          </label>
          <label class="check">
            <input type="checkbox" checked={promptExtend} onChange={(e) => setPromptExtend(e.currentTarget.checked)} /> {t.promptExtend}
          </label>
          {problem && (
            <p class="error" role="alert" data-testid="form-error">
              {problem.models ? <strong>{t.modelsError}: </strong> : problem.code && <strong>{problem.code}: </strong>}
              {problem.message}
            </p>
          )}
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t.submitting : t.submit}
          </button>
        </form>
      </section>
      {taskId && <TaskView taskId={taskId} />}
    </>
  );
}
