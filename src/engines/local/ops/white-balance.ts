import { rgbOnly } from '../steps/helpers.js';
import * as tone from '../steps/tone.js';
import { defineOp } from './spec.js';

export default defineOp({
  id: 'white-balance',
  name: 'white balance',
  concepts: ['white balance', 'colour cast', 'neutral colours', 'correct colours', 'yellow cast', 'blue cast', '白平衡', '偏色', '偏黄', '校色'],
  trigger:
    /\bwhite[\s-]*balance\b|\b(?:remove|fix|correct|neutrali[sz]e|get\s+rid\s+of)\b.*\b(?:color\s+cast|cast|tint)\b|\b(?:yellow|blue|orange|green|magenta|red)(?:ish)?\s+cast\b|\bneutral\s+colors\b|白平衡|偏色|校色|(?:去掉|去除|消除|校正|纠正)(?:一下)?(?:偏黄|偏蓝|偏绿|偏红|偏色|色偏)/,
  parse(c) {
    c.takeAll(
      /\b(?:white[\s-]*balance|correct|correction|fix|remove|neutrali[sz]e|get\s+rid\s+of|auto|color\s+cast|cast|tint|neutral|colors|there's|there\s+is|has|yellow|yellowish|blue|bluish|orange|green|greenish|magenta|red|reddish)\b|白平衡|偏色|色偏|校正|纠正|校色|去掉|去除|消除|偏黄|偏蓝|偏绿|偏红|自动/,
    );
    return { op: 'whiteBalance' };
  },
  kinds: {
    whiteBalance: {
      traits: { changes: ['colour'], idempotent: true },
      describe: (_op, zh) => (zh ? '校正白平衡（灰度世界法），去除偏色。' : 'Correct the white balance (gray world), removing the colour cast.'),
      run: (img) => rgbOnly(img, tone.whiteBalance),
    },
  },
  catalogue: {
    title: 'White balance',
    family: 'Tone and colour',
    en: ['correct the white balance', 'fix the white balance, there is a yellow cast', 'remove the blue colour cast'],
    zh: ['校正白平衡', '校正一下白平衡，去掉偏黄', '去除偏色'],
    params: 'Gray world: each channel is scaled so that its mean equals the mean of the three (gains limited to 0.5…2), which removes an overall colour cast.',
    demo: { prompt: 'correct the white balance', inputs: 'cast' },
  },
});
