/**
 * The plan written back as explicit instructions (the task's `actual_prompt` when
 * prompt_extend is on), in the prompt's language.
 */
import type { Colour, Language, Operation, Plan, Position, Side } from './plan.js';

const pct = (x: number): string => `${Math.round(x * 100)}%`;
const delta = (factor: number): string => `${Math.round(Math.abs(factor - 1) * 100)}%`;

const POS_EN: Record<Position, string> = {
  top: 'at the top',
  bottom: 'at the bottom',
  center: 'in the centre',
  left: 'on the left',
  right: 'on the right',
  'top-left': 'in the top-left corner',
  'top-right': 'in the top-right corner',
  'bottom-left': 'in the bottom-left corner',
  'bottom-right': 'in the bottom-right corner',
};
const POS_ZH: Record<Position, string> = {
  top: '顶部',
  bottom: '底部',
  center: '正中间',
  left: '左侧',
  right: '右侧',
  'top-left': '左上角',
  'top-right': '右上角',
  'bottom-left': '左下角',
  'bottom-right': '右下角',
};
const SIDE_EN: Record<Side, string> = {
  all: 'on all sides',
  left: 'on the left',
  right: 'on the right',
  top: 'at the top',
  bottom: 'at the bottom',
  horizontal: 'on the left and right',
  vertical: 'at the top and bottom',
};
const SIDE_ZH: Record<Side, string> = {
  all: '四周',
  left: '左侧',
  right: '右侧',
  top: '上方',
  bottom: '下方',
  horizontal: '左右两侧',
  vertical: '上下两侧',
};

const colourEn = (c: Colour): string => c.en;
const colourZh = (c: Colour): string => c.zh;

function img(n: number, zh: boolean): string {
  return zh ? `图${n}` : `image ${n}`;
}

function describeEn(op: Operation): string {
  switch (op.op) {
    case 'grayscale':
      return 'Convert the image to grayscale.';
    case 'sepia':
      return op.strength >= 1 ? 'Apply a sepia tone.' : `Apply a sepia tone at ${pct(op.strength)} strength.`;
    case 'invert':
      return 'Invert the colours (negative).';
    case 'brightness':
      return `${op.factor >= 1 ? 'Increase' : 'Decrease'} the brightness by ${delta(op.factor)}.`;
    case 'contrast':
      return `${op.factor >= 1 ? 'Increase' : 'Decrease'} the contrast by ${delta(op.factor)}.`;
    case 'saturation':
      return `${op.factor >= 1 ? 'Increase' : 'Decrease'} the saturation by ${delta(op.factor)}.`;
    case 'hue':
      return `Shift the hue by ${op.degrees}°.`;
    case 'temperature':
      return `Make the colours ${op.amount >= 0 ? 'warmer' : 'cooler'} (${pct(Math.abs(op.amount))}).`;
    case 'tint':
      return `Tint the image ${colourEn(op.colour)} at ${pct(op.strength)} strength.`;
    case 'autoEnhance':
      return 'Auto-enhance the image (stretch the tonal range).';
    case 'posterize':
      return `Posterize to ${op.levels} levels per channel.`;
    case 'vignette':
      return `Add a vignette (corners darkened by ${pct(op.strength)}).`;
    case 'grain':
      return `Add film grain (${pct(op.amount)} strength).`;
    case 'rotate':
      return `Rotate the image ${Math.abs(op.degrees)}° ${op.degrees >= 0 ? 'clockwise' : 'counter-clockwise'}.`;
    case 'flip':
      return `Flip the image ${op.axis === 'horizontal' ? 'horizontally (mirror left and right)' : 'vertically (upside down)'}.`;
    case 'cropAspect':
      return op.ratio[0] === op.ratio[1]
        ? 'Crop the image to a centred square.'
        : `Crop the image to a centred ${op.ratio[0]}:${op.ratio[1]} aspect ratio.`;
    case 'cropCenter':
      return `Crop to the central ${pct(op.fraction)} of the image.`;
    case 'cropRegion':
      return `Crop to the ${op.region.replace('-', ' ')} of the image.`;
    case 'trim':
      return 'Trim the plain margins around the image.';
    case 'resize':
      return `Scale the image to ${pct(op.scale)} of its size.`;
    case 'resizeTo':
      return `Resize the image to ${op.width ?? 'auto'}×${op.height ?? 'auto'} pixels.`;
    case 'extend': {
      const fill =
        op.fill.kind === 'colour' ? `with ${colourEn(op.fill.colour)}` : op.fill.kind === 'blur' ? 'with a blurred fill' : 'with a mirrored, softened fill';
      const how = op.ratio ? `to a ${op.ratio[0]}:${op.ratio[1]} aspect ratio` : `by ${pct(op.amount ?? 0.2)} ${SIDE_EN[op.side]}`;
      return `Extend the canvas ${how} ${fill}.`;
    }
    case 'border':
      return `Add a ${colourEn(op.colour)} border ${op.pixels ? `${op.width} pixels` : `${pct(op.width)} of the shorter side`} wide.`;
    case 'blur':
      return op.sigma !== undefined ? `Blur the image (radius ${op.sigma} px).` : `Blur the image${op.strength > 1 ? ' strongly' : op.strength < 1 ? ' slightly' : ''}.`;
    case 'sharpen':
      return `Sharpen the image${op.strength > 1 ? ' strongly' : op.strength < 1 ? ' slightly' : ''}.`;
    case 'denoise':
      return `Reduce noise${op.strength > 1 ? ' strongly' : ''} (median filter).`;
    case 'pixelate':
      return `Pixelate the image (blocks of ${pct(op.block)} of the shorter side).`;
    case 'sketch':
      return 'Turn the image into a pencil sketch.';
    case 'cartoon':
      return 'Give the image a cartoon look.';
    case 'emboss':
      return 'Apply an emboss effect.';
    case 'text':
      return `Add the text "${op.text}" ${POS_EN[op.position]} in ${colourEn(op.colour)}, ${pct(op.size)} of the shorter side high.`;
    case 'overlay':
      return `Place image ${op.source} ${op.onto !== undefined ? `onto image ${op.onto} ` : ''}${POS_EN[op.position]}, ${pct(op.scale)} of the width.`;
    case 'collage':
      return `Combine ${op.images.length === 0 ? 'all input images' : op.images.map((n) => img(n, false)).join(', ')} ${
        op.layout === 'horizontal' ? 'side by side' : op.layout === 'vertical' ? 'one above the other' : 'in a grid'
      }${op.scatter ? ' as a scattered collage' : ''}.`;
    case 'blend':
      return `Blend image ${op.source} over the image at ${pct(op.opacity)} opacity.`;
    case 'removeBackground':
      return 'Remove the background (transparent).';
    case 'replaceBackground':
      return op.source !== undefined
        ? `Replace the background with image ${op.source}.`
        : `Replace the background with ${colourEn(op.colour ?? { rgb: [255, 255, 255], en: 'white', zh: '白色' })}.`;
    case 'backgroundBlur':
      return 'Blur the background and keep the subject sharp (portrait mode).';
    case 'backgroundTone':
      return op.effect === 'grayscale' ? 'Turn the background black and white and keep the subject in colour.' : 'Darken the background and keep the subject as it is.';
    case 'upscale':
      return `Upscale the image ${op.factor}× (super-resolution).`;
    case 'faces':
      return `${op.mode === 'blur' ? 'Blur' : 'Pixelate'} all faces.`;
    case 'removeText':
      return 'Remove overlaid text and watermarks.';
    case 'cutout':
      return `Cut out the subject of image ${op.subject} and place it onto image ${op.onto}.`;
  }
}

function describeZh(op: Operation): string {
  switch (op.op) {
    case 'grayscale':
      return '将图像转换为黑白灰度图。';
    case 'sepia':
      return op.strength >= 1 ? '添加复古棕褐色调。' : `添加强度${pct(op.strength)}的复古棕褐色调。`;
    case 'invert':
      return '反转颜色（负片效果）。';
    case 'brightness':
      return `将亮度${op.factor >= 1 ? '提高' : '降低'}${delta(op.factor)}。`;
    case 'contrast':
      return `将对比度${op.factor >= 1 ? '提高' : '降低'}${delta(op.factor)}。`;
    case 'saturation':
      return `将饱和度${op.factor >= 1 ? '提高' : '降低'}${delta(op.factor)}。`;
    case 'hue':
      return `将色相偏移${op.degrees}°。`;
    case 'temperature':
      return `将色温调${op.amount >= 0 ? '暖' : '冷'}（${pct(Math.abs(op.amount))}）。`;
    case 'tint':
      return `为图像添加强度${pct(op.strength)}的${colourZh(op.colour)}色调。`;
    case 'autoEnhance':
      return '自动增强图像（拉伸色阶）。';
    case 'posterize':
      return `色调分离为每通道${op.levels}级。`;
    case 'vignette':
      return `添加暗角（四角压暗${pct(op.strength)}）。`;
    case 'grain':
      return `添加胶片颗粒（强度${pct(op.amount)}）。`;
    case 'rotate':
      return `将图像${op.degrees >= 0 ? '顺时针' : '逆时针'}旋转${Math.abs(op.degrees)}°。`;
    case 'flip':
      return `将图像${op.axis === 'horizontal' ? '水平翻转（左右镜像）' : '垂直翻转（上下颠倒）'}。`;
    case 'cropAspect':
      return op.ratio[0] === op.ratio[1] ? '将图像居中裁剪为正方形。' : `将图像居中裁剪为${op.ratio[0]}:${op.ratio[1]}的比例。`;
    case 'cropCenter':
      return `裁剪保留图像中央${pct(op.fraction)}的区域。`;
    case 'cropRegion':
      return `裁剪保留图像的${{ 'left-half': '左半部分', 'right-half': '右半部分', 'top-half': '上半部分', 'bottom-half': '下半部分' }[op.region]}。`;
    case 'trim':
      return '裁掉图像四周的空白边缘。';
    case 'resize':
      return `将图像缩放到原尺寸的${pct(op.scale)}。`;
    case 'resizeTo':
      return `将图像尺寸调整为${op.width ?? '自动'}×${op.height ?? '自动'}像素。`;
    case 'extend': {
      const fill = op.fill.kind === 'colour' ? `用${colourZh(op.fill.colour)}填充` : op.fill.kind === 'blur' ? '用模糊背景填充' : '用镜像柔化的边缘填充';
      const how = op.ratio ? `扩展到${op.ratio[0]}:${op.ratio[1]}的比例` : `在${SIDE_ZH[op.side]}扩展${pct(op.amount ?? 0.2)}`;
      return `将画布${how}，${fill}。`;
    }
    case 'border':
      return `添加${op.pixels ? `${op.width}像素` : `短边${pct(op.width)}`}宽的${colourZh(op.colour)}边框。`;
    case 'blur':
      return op.sigma !== undefined ? `模糊图像（半径${op.sigma}像素）。` : `${op.strength > 1 ? '强烈' : op.strength < 1 ? '轻微' : ''}模糊图像。`;
    case 'sharpen':
      return `${op.strength > 1 ? '强烈' : op.strength < 1 ? '轻微' : ''}锐化图像。`;
    case 'denoise':
      return `${op.strength > 1 ? '强力' : ''}降噪（中值滤波）。`;
    case 'pixelate':
      return `将图像像素化（色块为短边的${pct(op.block)}）。`;
    case 'sketch':
      return '将图像转换为铅笔素描。';
    case 'cartoon':
      return '将图像处理成卡通风格。';
    case 'emboss':
      return '添加浮雕效果。';
    case 'text':
      return `在${POS_ZH[op.position]}添加${colourZh(op.colour)}文字“${op.text}”，字号为短边的${pct(op.size)}。`;
    case 'overlay':
      return `将图${op.source}放在${op.onto !== undefined ? `图${op.onto}的` : ''}${POS_ZH[op.position]}，宽度为画面的${pct(op.scale)}。`;
    case 'collage':
      return `将${op.images.length === 0 ? '所有输入图像' : op.images.map((n) => img(n, true)).join('、')}${
        op.layout === 'horizontal' ? '左右并排' : op.layout === 'vertical' ? '上下排列' : '按网格'
      }${op.scatter ? '拼成散落风格的拼贴' : '拼接'}。`;
    case 'blend':
      return `将图${op.source}以${pct(op.opacity)}的不透明度与图像融合。`;
    case 'removeBackground':
      return '去除背景（透明）。';
    case 'replaceBackground':
      return op.source !== undefined ? `将背景替换为图${op.source}。` : `将背景替换为${colourZh(op.colour ?? { rgb: [255, 255, 255], en: 'white', zh: '白色' })}。`;
    case 'backgroundBlur':
      return '虚化背景，保持主体清晰（人像模式）。';
    case 'backgroundTone':
      return op.effect === 'grayscale' ? '将背景变为黑白，主体保留原色。' : '压暗背景，主体保持不变。';
    case 'upscale':
      return `将图像超分辨率放大${op.factor}倍。`;
    case 'faces':
      return `对所有人脸进行${op.mode === 'blur' ? '模糊' : '马赛克'}处理。`;
    case 'removeText':
      return '去除图上叠加的文字和水印。';
    case 'cutout':
      return `抠出图${op.subject}的主体，放到图${op.onto}上。`;
  }
}

export function describeOperation(op: Operation, language: Language): string {
  const zh = language === 'zh';
  const text = zh ? describeZh(op) : describeEn(op);
  if (op.image === undefined) return text;
  return zh ? `对图${op.image}：${text}` : `On image ${op.image}: ${text}`;
}

/** The plan written back as explicit instructions, in the prompt's language. */
export function describePlan(plan: Plan): string {
  const steps = plan.operations.map((op) => describeOperation(op, plan.language));
  steps.push(plan.language === 'zh' ? '其余内容保持不变。' : 'Keep everything else unchanged.');
  return steps.join(plan.language === 'zh' ? '' : ' ');
}
