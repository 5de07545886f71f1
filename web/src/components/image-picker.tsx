/** 1–3 input images: drop, paste or choose; reorder (image 1/2/3), remove; thumbnails with size, format and problems. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { MAX_IMAGES } from '@retouch/sdk/protocol';
import { useApp } from '../app-context.js';
import { formatBytes, imageProblem, pickImage, type PickedImage } from '../images.js';

type Update = (images: PickedImage[]) => PickedImage[];

/** `onChange` gets an update function (like a state setter), so that additions finishing late compose. */
export function ImagePicker(props: { images: PickedImage[]; onChange: (update: Update) => void }) {
  const { t } = useApp();
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const latest = useRef(props);
  latest.current = props;

  // Reading an image takes a moment; additions are applied in the order they arrived, so a file
  // dropped while a chosen one is still being read becomes the next image, not the first.
  const queue = useRef<Promise<void>>(Promise.resolve());
  const add = (files: File[]) => {
    const reading = Promise.all(files.filter((f) => f.size > 0).map(pickImage));
    queue.current = queue.current.then(async () => {
      const picked = await reading.catch(() => []);
      // More than three are kept, so that the protocol's own message explains the limit.
      latest.current.onChange((images) => [...images, ...picked]);
    });
    return queue.current;
  };

  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const files = [...(e.clipboardData?.files ?? [])].filter((f) => f.type.startsWith('image/'));
      if (files.length > 0) {
        e.preventDefault();
        void add(files);
      }
    };
    addEventListener('paste', onPaste);
    return () => removeEventListener('paste', onPaste);
  }, []);

  const move = (from: number, to: number) =>
    props.onChange((images) => {
      const next = [...images];
      const [item] = next.splice(from, 1);
      next.splice(to, 0, item!);
      return next;
    });
  const remove = (index: number) =>
    props.onChange((images) => {
      // Kept alive while a task of this session may still compare against it.
      return images.filter((_, i) => i !== index);
    });

  return (
    <fieldset class="images">
      <legend>{t.images}</legend>
      <div
        class={`drop${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          void add([...(e.dataTransfer?.files ?? [])]);
        }}
      >
        <span>{t.dropHint} </span>
        <button type="button" onClick={() => input.current?.click()}>
          {t.chooseFiles}
        </button>
        <input
          ref={input}
          id="image-files"
          class="sr-only"
          type="file"
          accept="image/png,image/jpeg,image/webp,image/bmp"
          multiple
          tabIndex={-1}
          aria-label={t.chooseFiles}
          onChange={(e) => {
            void add([...(e.currentTarget.files ?? [])]);
            e.currentTarget.value = '';
          }}
        />
      </div>
      {props.images.length > 0 && (
        <ol class="thumbs">
          {props.images.map((image, i) => {
            const problem = imageProblem(image, i);
            return (
              <li key={image.id} class={problem || i >= MAX_IMAGES ? 'bad' : ''}>
                <img src={image.previewUrl} alt={`${t.imageN(i + 1)}: ${image.file.name}`} />
                <div class="meta">
                  <strong>{t.imageN(i + 1)}</strong>
                  <span class="name">{image.file.name}</span>
                  <span>
                    {image.width !== undefined ? `${image.width}×${image.height}` : '?'} · {image.format?.toUpperCase() ?? '?'} · {formatBytes(image.bytes)}
                  </span>
                  {problem && (
                    <span class="error">
                      {problem.code}: {problem.message}
                    </span>
                  )}
                </div>
                <div class="row-actions">
                  <button type="button" aria-label={t.moveUp(i + 1)} disabled={i === 0} onClick={() => move(i, i - 1)}>
                    ↑
                  </button>
                  <button type="button" aria-label={t.moveDown(i + 1)} disabled={i === props.images.length - 1} onClick={() => move(i, i + 1)}>
                    ↓
                  </button>
                  <button type="button" aria-label={t.remove(i + 1)} onClick={() => remove(i)}>
                    ✕
                  </button>
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </fieldset>
  );
}
