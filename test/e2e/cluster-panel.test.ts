/**
 * Issue 15 in the panel, in real Chromium: two in-process studios (node-a, node-b) on a real redis-server.
 * ffmpeg publishes /live/clu to node-a; node-b's Cluster page lists both nodes (node-b as "this node") and shows
 * /live/clu living on node-a; when the publisher stops the stream leaves node-b's page; when Redis is killed
 * node-b's page says Redis is unreachable. Everything is read as a user reads it: regions, rows, cells, words.
 */
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPanelBrowser, TEST_OUTPUT, type PanelBrowser } from '../helpers/browser';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { startRedis, type RedisServer } from '../helpers/redis';
import { startStudio, type TestStudio } from '../helpers/studio';

const STREAM = '/live/clu';
// small heartbeat/ttl so the other node hears of a claim, a release or an outage within about a second
const HB = 300;
const TTL = 1500;

let r: RedisServer;
let a: TestStudio;
let b: TestStudio;
let br: PanelBrowser;
let page: Page;
let pub: Run | null = null;

const node = (id: string): Record<string, unknown> => ({
  cluster: { redis: r.url, node_id: id, heartbeat_ms: HB, ttl_ms: TTL, prefix: 'e2e:' },
  // no disconnect protection: a dropped publisher releases its stream at once
  slate: { enabled: false },
});

beforeAll(async () => {
  r = await startRedis();
  [a, b, br] = await Promise.all([startStudio(node('node-a')), startStudio(node('node-b')), openPanelBrowser()]);
  page = br.page;
}, 60_000);

afterAll(async () => {
  pub?.child.kill('SIGKILL');
  await br?.close();
  await Promise.all([a?.stop(), b?.stop()]);
  await r?.stop();
});

/** what node-b's service says, for failure messages */
async function bStatus(): Promise<string> {
  return JSON.stringify(await b.studio.api.dispatch('cluster.status', {}));
}

const region = (name: string): Locator => page.getByRole('region', { name, exact: true });
const nodeRow = (id: string): Locator => region('Nodes').getByRole('row').filter({ has: page.getByRole('cell').filter({ hasText: new RegExp(`^${id}\\b`) }) });
const streamRow = (p: string): Locator => region('Streams').getByRole('row').filter({ has: page.getByRole('cell', { name: p, exact: true }) });
const cells = (row: Locator): Promise<string[]> => row.getByRole('cell').allTextContents();
const stateText = async (): Promise<string> => (await page.getByRole('status').filter({ hasText: /^Redis (connected|unreachable)/ }).textContent().catch(() => '')) ?? '';

describe('the Cluster page of node-b', () => {
  it('lists both nodes (node-b as this node) and shows /live/clu living on node-a', async () => {
    pub = publishTestPattern(a.rtmpUrl(STREAM), { size: '320x240', rate: 15, seconds: 60, audioRate: 22050, channels: 1 });
    await page.goto(b.httpUrl('/'));
    await page.getByRole('navigation').getByRole('link', { name: 'Cluster', exact: true }).click();
    try {
      await region('Nodes').waitFor({ timeout: 10_000 });
    } catch (e) {
      throw new Error(`no Cluster page; page errors ${JSON.stringify(br.errors)}; status ${await bStatus()}`, { cause: e });
    }
    expect(await stateText()).toBe('Redis connected');
    await expect.poll(() => region('Nodes').getByRole('row').count(), { timeout: 10_000 }).toBe(3); // header + 2 nodes
    const rowA = await cells(nodeRow('node-a'));
    const rowB = await cells(nodeRow('node-b'));
    expect(rowB[0]).toMatch(/^node-b\s*\(this node\)$/);
    expect(rowA[0].trim()).toBe('node-a');
    expect(rowB[1]).toBe(`rtmp://127.0.0.1:${b.ports.rtmp}http://127.0.0.1:${b.ports.http}`);
    expect(rowA[1]).toBe(`rtmp://127.0.0.1:${a.ports.rtmp}http://127.0.0.1:${a.ports.http}`);
    expect(rowA[3]).toMatch(/^\d+ s ago$/);
    expect(await page.getByText(/This node: node-b/).count()).toBe(1);

    // the stream: it arrives on node-b's page with the next cluster.changed after node-a claims it
    try {
      await streamRow(STREAM).waitFor({ timeout: 20_000 });
    } catch (e) {
      throw new Error(`${STREAM} not on node-b's page; node-a has it: ${!!a.studio.registry.get(STREAM)?.publisher}; status ${await bStatus()}`, { cause: e });
    }
    const [p, owner, edges] = await cells(streamRow(STREAM));
    expect({ p, owner, edges }).toEqual({ p: STREAM, owner: 'node-a', edges: '—' });
    // node-a's load counts its one stream
    await expect.poll(async () => (await cells(nodeRow('node-a')))[2], { timeout: 5_000 }).toMatch(/· live streams: 1 ·/);
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'cluster-page.png') });
    expect(br.errors).toEqual([]);
  });

  it('the publisher stops: the stream leaves node-b\'s page', async () => {
    pub?.child.kill('SIGKILL');
    pub = null;
    try {
      await page.getByText('No stream is live on any node.').waitFor({ timeout: 5_000 });
    } catch (e) {
      throw new Error(`${STREAM} still on node-b's page; status ${await bStatus()}`, { cause: e });
    }
    expect(await streamRow(STREAM).count()).toBe(0);
    // both nodes still there
    expect(await nodeRow('node-a').count()).toBe(1);
    expect(await nodeRow('node-b').count()).toBe(1);
  });

  it('Redis is killed: node-b\'s page says Redis is unreachable and still shows this node', async () => {
    r.kill();
    try {
      await expect.poll(stateText, { timeout: 10_000, interval: 200 }).toBe('Redis unreachable — serving local streams');
    } catch (e) {
      throw new Error(`state on the page "${await stateText()}"; status ${await bStatus()}`, { cause: e });
    }
    // without Redis the node knows only itself
    expect((await cells(nodeRow('node-b')))[0]).toMatch(/^node-b\s*\(this node\)$/);
    expect(await nodeRow('node-a').count()).toBe(0);
    expect(await page.getByText('No stream is live on any node.').count()).toBe(1);
    await page.screenshot({ path: path.join(TEST_OUTPUT, 'cluster-page-redis-down.png') });
    expect(br.errors).toEqual([]);
  });
});
