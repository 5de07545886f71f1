/**
 * Guided filter (He, Sun, Tang 2010) with a grey guide: snaps a coarse matte to the image's edges.
 * O(N) box filters via running sums; all planes are Float32 in 0..1.
 */
function boxFilter(src: Float32Array, w: number, h: number, r: number, out: Float32Array, tmp: Float32Array): void {
  // horizontal
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let acc = 0;
    for (let x = 0; x <= Math.min(r, w - 1); x++) acc += src[row + x]!;
    for (let x = 0; x < w; x++) {
      const x0 = x - r - 1;
      const x1 = x + r;
      if (x > 0) {
        if (x1 < w) acc += src[row + x1]!;
        if (x0 >= 0) acc -= src[row + x0]!;
      }
      const n = Math.min(w - 1, x + r) - Math.max(0, x - r) + 1;
      tmp[row + x] = acc / n;
    }
  }
  // vertical
  for (let x = 0; x < w; x++) {
    let acc = 0;
    for (let y = 0; y <= Math.min(r, h - 1); y++) acc += tmp[y * w + x]!;
    for (let y = 0; y < h; y++) {
      const y0 = y - r - 1;
      const y1 = y + r;
      if (y > 0) {
        if (y1 < h) acc += tmp[y1 * w + x]!;
        if (y0 >= 0) acc -= tmp[y0 * w + x]!;
      }
      const n = Math.min(h - 1, y + r) - Math.max(0, y - r) + 1;
      out[y * w + x] = acc / n;
    }
  }
}

export function guidedFilter(guide: Float32Array, p: Float32Array, w: number, h: number, r: number, eps: number): Float32Array {
  const n = w * h;
  const tmp = new Float32Array(n);
  const meanI = new Float32Array(n);
  const meanP = new Float32Array(n);
  const corrIp = new Float32Array(n);
  const corrII = new Float32Array(n);
  const prod = new Float32Array(n);
  boxFilter(guide, w, h, r, meanI, tmp);
  boxFilter(p, w, h, r, meanP, tmp);
  for (let i = 0; i < n; i++) prod[i] = guide[i]! * p[i]!;
  boxFilter(prod, w, h, r, corrIp, tmp);
  for (let i = 0; i < n; i++) prod[i] = guide[i]! * guide[i]!;
  boxFilter(prod, w, h, r, corrII, tmp);
  // a -> corrIp, b -> meanP (reuse buffers)
  for (let i = 0; i < n; i++) {
    const mI = meanI[i]!;
    const varI = corrII[i]! - mI * mI;
    const a = (corrIp[i]! - mI * meanP[i]!) / (varI + eps);
    corrIp[i] = a;
    meanP[i] = meanP[i]! - a * mI;
  }
  boxFilter(corrIp, w, h, r, corrII, tmp); // mean a
  boxFilter(meanP, w, h, r, prod, tmp); // mean b
  const q = meanI; // reuse
  for (let i = 0; i < n; i++) q[i] = corrII[i]! * guide[i]! + prod[i]!;
  return q;
}
