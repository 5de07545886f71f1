import { parseInstruction } from '../src/engines/local/parser/index.js';
import { describePlan } from '../src/engines/local/describe.js';
const prompts = process.argv.slice(2).length ? process.argv.slice(2) : [
 'Convert to black and white, then rotate 90 degrees',
 'make it brighter', 'rotate ninety degrees counter-clockwise', '把图片旋转九十度', '亮度提高30%，再顺时针旋转180度',
 'add text "Tom and Jerry" at the top in red', '在底部添加文字“你好世界”', 'crop to 16:9', '裁剪成正方形', 'flip horizontally and vertically',
 'put image 2 on image 1 in the top-right corner', '把第二张图放到图1的右下角', 'put the two images side by side', '将图1和图2左右拼接',
 'remove the background', '去除背景', 'replace the background with blue', '把背景换成图2', 'blur the faces', '人脸打码', 'upscale 4x', '超分辨率放大两倍',
 'make it warmer', '冷色调', 'add a blue tint', '加一层蓝色滤镜', 'sepia', '复古风格', 'invert colors', 'posterize', 'add vignette', 'add film grain', 'pencil sketch', '卡通风格', 'emboss', 'blur', 'sharpen', 'denoise', 'pixelate', '马赛克',
 'extend the canvas by 20% on the left and right', 'outpaint to 16:9', 'add a 20px black border', '加白色边框', 'trim the white margins', 'resize to 800x600', 'scale to 50%', '缩小一半', 'zoom in 2x', 'make it more vivid', 'desaturate', 'hue shift 90 degrees', 'auto enhance', '一键美化',
 'make it brighter and add a dog', 'rotate 90 flip', 'blah blah', 'blurr it', 'rotate image 2 by 90 degrees then put image 1 and image 2 side by side', 'cut out the person in image 2 and put it on image 1',
];
for (const p of prompts) {
  try { const plan = parseInstruction(p); console.log(p, '=>', JSON.stringify(plan.operations), '|', describePlan(plan)); }
  catch (e) { console.log(p, '=> ERR', (e as Error).message); }
}
