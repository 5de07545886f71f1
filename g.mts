import { understand } from './src/engines/local/parser/index.js';
const D = [
 'Please make this picture black and white.', 'Can you make the photo a little brighter?', 'Convert this image to greyscale, thanks!', 'make the colours pop', 'Increase the saturation a bit so it looks more lively',
 'Could you crop this to 4:3?', 'Rotate the photo 90° counterclockwise please', 'flip the image horizontally', 'Make the image look vintage, like an old film photo', 'Add a subtle vignette',
 'Sharpen the details', 'reduce noise', 'Blur the background to create a bokeh effect', 'Remove the background and make it transparent', 'Replace the background with pure white',
 'Add the caption "Happy Birthday!" at the bottom', 'Write "SALE" in big red letters at the top', 'Make it warmer and increase the contrast', 'Make the image 50% smaller', 'resize the image to 512x512',
 'Straighten the horizon', 'fix the white balance', 'Make the blues more saturated', 'Turn it into a pencil sketch', 'Give it a posterized look',
 'Invert the colors', 'Make it look like a negative', 'Add a 10px white border', 'Trim the whitespace around the image', 'Upscale to 4x',
 'Transfer the image into a sketch style', 'Convert the photo to a cartoon style while keeping the composition unchanged.', 'Enhance the photo quality', 'Make it less saturated', 'Lower the exposure a bit',
 'Make this photo look like it was taken in the 80s', 'Put a black frame around the photo', 'Mirror the picture', 'Turn the picture upside down', 'Darken the image slightly',
 '把照片调亮一点', '给图片加个边框', '把这张图变成黑白的', '帮我把背景换成蓝色', '裁剪成1:1', '图片旋转180度', '增加一点饱和度', '让照片更清晰一些', '加点暖色调，让画面更温馨', '去掉照片上的水印',
 '一键美化', '调低对比度', '把图片缩小到原来的一半', '添加文字“你好”在左上角', '给人脸打码', '背景虚化一下', '把图片变成素描风格', '图片整体偏暗，提亮一点，其他不变', '抠出主体，换成白底', '水平翻转',
 'Make it pop', 'Apply a sepia filter to give it a vintage feel', 'desaturate the greens', 'level the horizon and crop', 'Make this 1080 pixels wide',
 'Lighten it up, it\'s too dark', 'Please adjust the brightness to make it look natural', 'Add some grain for a film look', 'Give it a cool blue tone', 'Blur the whole photo slightly',
];
const G = [
 'Add a rainbow in the sky', 'Remove the person on the left', 'Make the dog wear sunglasses', 'Change the sky to a sunset', 'Replace the car with a bicycle',
 'Make it look like a Van Gogh painting', 'Turn this into an oil painting', 'Convert to anime style', 'Make the woman smile', 'Change her hair color to blonde',
 'Add snow to the scene', 'Make it look like night time', 'Remove the trash can from the photo', 'Put a hat on the man', 'Turn the cat into a tiger',
 'Make the building taller', 'Change the color of the car to red', 'Make the shirt blue', 'Add a moon to the sky', 'Colorize this photo',
 'Make him look older', 'Replace the text on the billboard with "HELLO"', 'Expand the image and add more beach on the right', 'Make the flowers pink', 'Change the background to a beach',
 '把天空变成蓝色', '给猫戴上帽子', '去掉左边的人', '把车换成红色', '变成宫崎骏风格', '让她笑起来', '把头发染成金色', '添加一只小鸟', '把衣服换成西装', '把照片变成水彩画',
 '给照片加上雪花', '把汽车去掉', '让天空出现彩虹', '把花变成红色', '把他的眼睛变大',
 'Make the sky more blue', 'Brighten the face', 'Blur the car', 'Sharpen the eyes', 'Make the grass greener',
];
let okD=0; for (const p of D) { const r=understand(p); if (r.ok) okD++; else console.log('D FAIL', p, '=>', r.message.slice(0,160)); }
let okG=0; for (const p of G) { const r=understand(p); if (!r.ok && r.generative) okG++; else console.log('G', r.ok?'ACCEPT':'NOTGEN', p, '=>', r.ok? JSON.stringify(r.plan.operations): r.message.slice(0,160)); }
console.log(`D ${okD}/${D.length} G ${okG}/${G.length}`);
if (process.argv[2]) for (const p of D) { const r=understand(p); if (r.ok) console.log(p, JSON.stringify(r.plan.operations)); }
