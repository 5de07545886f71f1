/** Before/after: a slider (a range input moves the split, so it works by keyboard) or side by side, with zoom. */
import { useState } from 'preact/hooks';
import { useApp } from '../app-context.js';

export function Compare(props: { before: string; after: string; label: string }) {
  const { t } = useApp();
  const [mode, setMode] = useState<'slider' | 'side'>('slider');
  const [split, setSplit] = useState(50);
  const [zoom, setZoom] = useState(1);
  const scale = { width: `${zoom * 100}%` };
  return (
    <section class="compare" aria-label={`${t.compare}: ${props.label}`}>
      <div class="toolbar">
        <label for="compare-mode">{t.compareMode}</label>
        <select id="compare-mode" value={mode} onChange={(e) => setMode(e.currentTarget.value as 'slider' | 'side')}>
          <option value="slider">{t.modeSlider}</option>
          <option value="side">{t.modeSide}</option>
        </select>
        <label for="compare-zoom">{t.zoom}</label>
        <select id="compare-zoom" value={String(zoom)} onChange={(e) => setZoom(Number(e.currentTarget.value))}>
          {[1, 2, 4].map((z) => (
            <option value={String(z)}>{z * 100}%</option>
          ))}
        </select>
      </div>
      {mode === 'slider' ? (
        <>
          <div class="viewport" tabIndex={0} role="group" aria-label={`${t.before} / ${t.after}`}>
            <div class="stack" style={scale}>
              <img src={props.before} alt={t.before} />
              <img class="over" src={props.after} alt={t.after} style={{ clipPath: `inset(0 0 0 ${split}%)` }} />
              <div class="divider" style={{ left: `${split}%` }} aria-hidden="true" />
            </div>
          </div>
          <div class="slider">
            <label for="compare-split">{t.reveal}</label>
            <input id="compare-split" type="range" min={0} max={100} value={split} onInput={(e) => setSplit(Number(e.currentTarget.value))} />
          </div>
        </>
      ) : (
        <div class="side">
          {[
            [t.before, props.before],
            [t.after, props.after],
          ].map(([caption, src]) => (
            <figure>
              <div class="viewport" tabIndex={0} role="group" aria-label={caption}>
                <img src={src} alt={caption} style={scale} />
              </div>
              <figcaption>{caption}</figcaption>
            </figure>
          ))}
        </div>
      )}
    </section>
  );
}
