import sharp from 'sharp';
const NOTO = '/work/main/node_modules/@embedpdf/fonts-sc/fonts/NotoSansHans-Regular.otf';
const DJ = '/work/main/node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf';
async function ink(buf){ const s = await sharp(buf).extractChannel(3).stats(); return s.channels[0].mean.toFixed(1); }
let t=Date.now();
try {
const a = await sharp({ text: { text: '<span foreground="red">AI生成 Hello 汤姆</span>', font: 'Noto Sans Hans 36', fontfile: NOTO, rgba: true, dpi: 72 } }).png().toBuffer({resolveWithObject:true});
console.log('noto text', a.info.width, a.info.height, await ink(a.data), Date.now()-t); await sharp(a.data).toFile('/tmp/ft/a.png');
} catch(e){console.log('ERR',e.message)}
t=Date.now();
const b = await sharp({ text: { text: 'Hello', font: 'DejaVu Sans 36', fontfile: DJ, rgba: true, dpi: 72 } }).png().toBuffer({resolveWithObject:true});
console.log('dejavu', b.info.width, b.info.height, await ink(b.data), Date.now()-t);
const c = await sharp({ text: { text: 'Hello', font: 'DejaVu Sans 36', fontfile: DJ, rgba: true, dpi: 72 } }).raw().toBuffer({resolveWithObject:true});
console.log(c.info, Math.max(...c.data));
const d = await sharp({ text: { text: '<span foreground="#00ff00">Hello</span>', font: 'DejaVu Sans 36', fontfile: DJ, rgba: true, dpi: 72 } }).raw().toBuffer({resolveWithObject:true});
console.log(d.info, Math.max(...d.data));
