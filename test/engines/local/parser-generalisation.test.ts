/**
 * Phrasings written for this test (not in the corpus), to keep the parser honest about patterns
 * rather than a list: each doable request gets the operations named, each generative one is
 * refused as needing a generative model.
 */
import { describe, expect, it } from 'vitest';
import { understand } from '../../../src/engines/local/parser/index.js';

const DOABLE: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['Please make this picture black and white.', ['grayscale']],
  ['Can you make the photo a little brighter?', ['brightness']],
  ['Convert this image to greyscale, thanks!', ['grayscale']],
  ['make the colours pop', ['saturation']],
  ['Increase the saturation a bit so it looks more lively', ['saturation']],
  ['Could you crop this to 4:3?', ['cropAspect']],
  ['Rotate the photo 90° counterclockwise please', ['rotate']],
  ['Make the image look vintage, like an old film photo', ['sepia', 'vignette']],
  ['Blur the background to create a bokeh effect', ['backgroundBlur']],
  ['Remove the background and make it transparent', ['removeBackground']],
  ['Replace the background with pure white', ['replaceBackground']],
  ['Write "SALE" in big red letters at the top', ['text']],
  ['Make it warmer and increase the contrast', ['temperature', 'contrast']],
  ['Make the image 50% smaller', ['resize']],
  ['Straighten the horizon', ['straighten']],
  ['fix the white balance', ['whiteBalance']],
  ['Make the blues more saturated', ['selectiveColour']],
  ['Transfer the image into a sketch style', ['sketch']],
  ['Convert the photo to a cartoon style while keeping the composition unchanged.', ['cartoon']],
  ['Make this photo look like it was taken in the 80s', ['sepia', 'vignette']],
  ['Turn the picture upside down', ['rotate']],
  ['Put a black frame around the photo', ['border']],
  ['Make this 1080 pixels wide', ['resizeTo']],
  ["Lighten it up, it's too dark", ['brightness']],
  ['Give it a cool blue tone', ['temperature']],
  ['把照片调亮一点', ['brightness']],
  ['帮我把背景换成蓝色', ['replaceBackground']],
  ['加点暖色调，让画面更温馨', ['temperature']],
  ['图片整体偏暗，提亮一点，其他不变', ['brightness']],
  ['抠出主体，换成白底', ['replaceBackground']],
  ['把图片缩小到原来的一半', ['resize']],
  ['The image is blurry, can you fix it?', ['sharpen']],
  ['照片有点糊，帮我修清楚', ['sharpen']],
  ['图片太大了，压缩一下尺寸', ['resize']],
  ['把背景弄成白色的', ['replaceBackground']],
  ['enlarge the canvas to 16:9', ['extend']],
  ['把图片调成胶片风', ['grain']],
  ['让照片更清晰一些', ['sharpen']],
  ['给人脸打码', ['faces']],
  ['去掉照片上的水印', ['removeText']],
];

const GENERATIVE = [
  'Add a rainbow in the sky',
  'Remove the person on the left',
  'Make the dog wear sunglasses',
  'Change the sky to a sunset',
  'Replace the car with a bicycle',
  'Make it look like a Van Gogh painting',
  'Turn this into an oil painting',
  'Convert to anime style',
  'Make the woman smile',
  'Change her hair color to blonde',
  'Add snow to the scene',
  'Make it look like night time',
  'Remove the trash can from the photo',
  'Put a hat on the man',
  'Turn the cat into a tiger',
  'Change the color of the car to red',
  'Make the shirt blue',
  'Colorize this photo',
  'Make him look older',
  'Replace the text on the billboard with "HELLO"',
  'Expand the image and add more beach on the right',
  'Make the flowers pink',
  'Make the sky more blue',
  'Blur the car',
  'Make the grass greener',
  '把天空变成蓝色',
  '给猫戴上帽子',
  '去掉左边的人',
  '变成宫崎骏风格',
  '让她笑起来',
  '把头发染成金色',
  '添加一只小鸟',
  '把衣服换成西装',
  '把照片变成水彩画',
  '把汽车去掉',
];

describe('doable phrasings outside the corpus', () => {
  it.each(DOABLE.map(([p, kinds]) => [p, kinds] as const))('%s', (prompt, kinds) => {
    const r = understand(prompt);
    expect(r.ok ? r.plan.operations.map((o) => o.op) : r.message).toEqual(kinds);
  });
});

describe('generative phrasings outside the corpus', () => {
  it.each(GENERATIVE.map((p) => [p] as const))('%s', (prompt) => {
    const r = understand(prompt);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.generative, /needs a generative model/.test(r.message)]).toEqual([true, true]);
  });
});
