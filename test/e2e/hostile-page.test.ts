import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPanelBrowser, type PanelBrowser } from '../helpers/browser';
import { publishTestPattern, type Run } from '../helpers/ffmpeg';
import { startStudio, waitFor, type TestStudio } from '../helpers/studio';

/**
 * Issue 8: a web page on another loopback origin (another port, or "localhost" against 127.0.0.1) is just
 * another attacker. In real Chromium it tries to kick the publisher, delete a recording, start a seed
 * recording, upload, read the API and open /api/ws — with the API gate off (the explicit choice) and on.
 */

const ATTACK = String.raw`
<script>
window.results = (async () => {
  const T = new URLSearchParams(location.search).get('target');
  const out = {};
  const attempt = async (name, fn) => { try { out[name] = await fn(); } catch (e) { out[name] = 'error:' + e.name; } };
  await attempt('kick', async () => (await fetch(T + '/api/streams/live/victim', { method: 'DELETE', mode: 'no-cors' })).type);
  await attempt('deleteRecording', async () => (await fetch(T + '/api/recordings/' + new URLSearchParams(location.search).get('rec'), { method: 'DELETE', mode: 'no-cors' })).type);
  await attempt('seedRecording', async () => (await fetch(T + '/recording?m3u8=/live/victim', { mode: 'no-cors' })).type);
  await attempt('upload', async () => { const f = new FormData(); f.append('file', new Blob(['x'.repeat(1000)]), 'a.mp4'); return (await fetch(T + '/update', { method: 'POST', body: f, mode: 'no-cors' })).type; });
  await attempt('readServer', async () => JSON.stringify(await (await fetch(T + '/api/server')).json()));
  await attempt('readRecordings', async () => JSON.stringify(await (await fetch(T + '/api/recordings')).json()));
  await attempt('ws', () => new Promise((resolve) => {
    const ws = new WebSocket(T.replace('http', 'ws') + '/api/ws');
    ws.onopen = () => { ws.send(JSON.stringify({ id: 1, cmd: 'streams.kick', args: { app: 'live', name: 'victim' } })); setTimeout(() => resolve('open'), 500); };
    ws.onerror = () => resolve('refused');
  }));
  await new Promise((resolve) => { const img = new Image(); img.onload = img.onerror = resolve; img.src = T + '/recording?m3u8=/live/victim&duration=5'; });
  const form = document.createElement('form');
  form.method = 'POST'; form.action = T + '/api/recordings'; form.target = 'sink'; form.enctype = 'text/plain';
  const i = document.createElement('input'); i.name = '{"stream":{"app":"live","name":"victim"},"x":"'; i.value = '"}'; form.appendChild(i);
  const sink = document.createElement('iframe'); sink.name = 'sink'; document.body.appendChild(sink); document.body.appendChild(form);
  form.submit();
  await new Promise((r) => setTimeout(r, 800));
  return out;
})();
</script>`;

let b: PanelBrowser;
let attacker: http.Server;
let attackerPort: number;

beforeAll(async () => {
  b = await openPanelBrowser();
  attacker = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>cute cats</title>${ATTACK}`);
  });
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  attackerPort = (attacker.address() as AddressInfo).port;
}, 120_000);

afterAll(async () => {
  await b?.close();
  attacker?.close();
});

for (const gate of [false, true]) {
  describe(`a hostile page with the API gate ${gate ? 'on' : 'off'}`, () => {
    let t: TestStudio;
    let pub: Run;
    let recId: string;
    beforeAll(async () => {
      t = await startStudio({ auth: gate ? { api: true, api_token: 'not-known-to-the-page-0123456789' } : { api: false }, record: { min_free_mb: 0 } });
      pub = publishTestPattern(t.rtmpUrl('/live/victim'), { size: '320x240', seconds: 60 });
      await waitFor(() => t.studio.registry.get('/live/victim')?.ready, 'publisher live', 15_000);
      recId = t.studio.recordings.start('/live/victim').id;
    }, 60_000);
    afterAll(async () => {
      pub.child.kill('SIGKILL');
      await t.stop();
    });

    for (const attackerHost of ['127.0.0.1', 'localhost']) {
      it(`from http://${attackerHost}:<other port>: nothing is read or changed`, async () => {
        const publisherId = t.studio.registry.get('/live/victim')?.publisher?.id;
        const target = `http://127.0.0.1:${t.ports.http}`;
        await b.page.goto(`http://${attackerHost}:${attackerPort}/?target=${encodeURIComponent(target)}&rec=${recId}`);
        const results = (await b.page.evaluate('window.results')) as Record<string, string>;
        // reads fail in the browser (no CORS on /api), the WebSocket is refused
        expect(results.readServer).toBe('error:TypeError');
        expect(results.readRecordings).toBe('error:TypeError');
        expect(results.ws).toBe('refused');
        // and nothing changed on the studio
        expect(t.studio.registry.get('/live/victim')?.publisher?.id).toBe(publisherId);
        expect(t.studio.recordings.list().map((r) => r.id)).toEqual([recId]);
        expect(t.studio.recordings.get(recId).status).toBe('recording');
      });
    }
  });
}

describe('the panel with the default gate (the URL `onair serve` prints)', () => {
  it('opens connected with ?token=, and asks for the token without it', async () => {
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const { API_TOKEN_FILE } = await import('../../core/auth/api-token');
    const t = await startStudio({ auth: { api: true } });
    try {
      const token = readFileSync(path.join(t.studio.config.data_dir, API_TOKEN_FILE), 'utf8').trim();
      const page = await b.browser.newPage();
      await page.goto(t.httpUrl(`/?token=${token}`));
      await page.getByTestId('empty-state').waitFor({ timeout: 10_000 });
      await expect.poll(() => page.getByTestId('conn-status').getAttribute('data-status')).toBe('open');
      const fresh = await b.browser.newPage();
      await fresh.goto(t.httpUrl('/'));
      await fresh.locator('#login-token').waitFor({ timeout: 10_000 });
      await fresh.locator('#login-token').fill(token);
      await fresh.getByRole('button', { name: 'Sign in' }).click();
      await fresh.getByTestId('empty-state').waitFor({ timeout: 10_000 });
      await page.close();
      await fresh.close();
    } finally {
      await t.stop();
    }
  });
});
