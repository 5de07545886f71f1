/** Wording shared by the operations' descriptions (`actual_prompt`). */
import type { Colour, Position, Side } from '../plan.js';

export const pct = (x: number): string => `${Math.round(x * 100)}%`;
export const delta = (factor: number): string => `${Math.round(Math.abs(factor - 1) * 100)}%`;
export const img = (n: number, zh: boolean): string => (zh ? `图${n}` : `image ${n}`);
export const colourName = (c: Colour, zh: boolean): string => (zh ? c.zh : c.en);
export const strengthEn = (s: number): string => (s > 1 ? ' strongly' : s < 1 ? ' slightly' : '');
export const strengthZh = (s: number): string => (s > 1 ? '强烈' : s < 1 ? '轻微' : '');

export const POSITION: Record<Position, readonly [en: string, zh: string]> = {
  top: ['at the top', '顶部'],
  bottom: ['at the bottom', '底部'],
  center: ['in the centre', '正中间'],
  left: ['on the left', '左侧'],
  right: ['on the right', '右侧'],
  'top-left': ['in the top-left corner', '左上角'],
  'top-right': ['in the top-right corner', '右上角'],
  'bottom-left': ['in the bottom-left corner', '左下角'],
  'bottom-right': ['in the bottom-right corner', '右下角'],
};

export const SIDE: Record<Side, readonly [en: string, zh: string]> = {
  all: ['on all sides', '四周'],
  left: ['on the left', '左侧'],
  right: ['on the right', '右侧'],
  top: ['at the top', '上方'],
  bottom: ['at the bottom', '下方'],
  horizontal: ['on the left and right', '左右两侧'],
  vertical: ['at the top and bottom', '上下两侧'],
};

export const BG = '(?:background|backdrop|bg|scene|surroundings)';
export const ZH_BG = '(?:背景|底色|背景色)';
