import { describe, expect, it } from 'vitest';
import { ProgressParser, TailBuffer } from '../../core/ffmpeg/progress';

const block = (o: Record<string, string>, end = false): string =>
  Object.entries(o).map(([k, v]) => `${k}=${v}\n`).join('') + `progress=${end ? 'end' : 'continue'}\n`;

describe('ffmpeg -progress parsing', () => {
  it('turns blocks into percent, fps, speed and ETA from the known duration', () => {
    const p = new ProgressParser(10);
    const out = p.push(block({ frame: '75', fps: '25.00', out_time_us: '2500000', total_size: '12345', speed: '1.25x' }));
    expect(out).toEqual([{ percent: 25, fps: 25, speed: 1.25, etaSeconds: 6, outTimeSeconds: 2.5, frame: 75, totalSize: 12345, end: false }]);
  });

  it('copes with blocks split anywhere across chunks, N/A values and the end block', () => {
    const text = block({ fps: '0.00', out_time_us: 'N/A', speed: 'N/A' }) + block({ out_time_us: '4000000', speed: ' 2x' }) + block({ out_time_us: '9990000', speed: '2x' }, true);
    for (let cut = 1; cut < text.length; cut += 7) {
      const p = new ProgressParser(10);
      const out = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(out.map((x) => [x.percent, x.speed, x.etaSeconds, x.end])).toEqual([[0, null, null, false], [40, 2, 3, false], [100, 2, 0, true]]);
    }
  });

  it('never goes backwards or past 100; unknown duration gives null percent and ETA', () => {
    const p = new ProgressParser(2);
    const a = p.push(block({ out_time_us: '3000000' }) + block({ out_time_us: '1000000' }));
    expect(a.map((x) => x.percent)).toEqual([100, 100]);
    const u = new ProgressParser(null).push(block({ out_time_ms: '5000000', speed: '3x' }));
    expect(u[0]).toMatchObject({ percent: null, etaSeconds: null, outTimeSeconds: 5 });
  });

  it('ignores junk lines and does not grow on a line with no newline', () => {
    const p = new ProgressParser(10);
    expect(p.push('garbage\n=x\nkey\n')).toEqual([]);
    expect(p.push('x'.repeat(100_000))).toEqual([]);
    expect(p.push('\n' + block({ out_time_us: '1000000' }))[0].percent).toBe(10);
  });
});

describe('TailBuffer', () => {
  it('keeps only the last N bytes', () => {
    const t = new TailBuffer(10);
    for (let i = 0; i < 100; i++) t.push(Buffer.from(`line ${i}\n`));
    expect(t.text()).toBe('8\nline 99\n');
    t.push(Buffer.alloc(50, 'z'));
    expect(t.text()).toBe('z'.repeat(10));
  });

  it('lastLines gives the final non-empty lines', () => {
    const t = new TailBuffer(100);
    t.push(Buffer.from('a\n\nb\r\nc\n\n'));
    expect(t.lastLines(2)).toBe('b | c');
  });
});
