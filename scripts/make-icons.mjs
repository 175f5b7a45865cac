#!/usr/bin/env node
// Render assets/icon.svg and the tray icons to PNG with Chromium (run once after editing the SVGs):
//   node scripts/make-icons.mjs
import { writeFileSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const root = new URL('../', import.meta.url);
const tray = (fill, ring) => `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
  <circle cx="16" cy="16" r="13" fill="none" stroke="${ring}" stroke-width="3"/>
  <circle cx="16" cy="16" r="7" fill="${fill}"/></svg>`;
const jobs = [
  { out: 'assets/icon.png', svg: readFileSync(new URL('assets/icon.svg', root), 'utf8'), size: 512 },
  { out: 'assets/tray-idle.png', svg: tray('#8b97a6', '#8b97a6'), size: 32 },
  { out: 'assets/tray-live.png', svg: tray('#ff4d5e', '#ff4d5e'), size: 32 },
];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
for (const j of jobs) {
  await page.setViewportSize({ width: j.size, height: j.size });
  await page.setContent(`<html><body style="margin:0;background:transparent">${j.svg.replace('<svg ', `<svg width="${j.size}" height="${j.size}" `)}</body></html>`);
  writeFileSync(new URL(j.out, root), await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: j.size, height: j.size } }));
  process.stdout.write(`${j.out}\n`);
}
await browser.close();
