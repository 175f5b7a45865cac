/**
 * CPU and memory of a process and all its descendants (Linux /proc): node-media-server plus the ffmpeg
 * children it spawns, or a single OnAir process. Descendants are found by scanning /proc/<pid>/stat for
 * ppid links on every sample, so children that start during the window are counted from their first tick.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readStat, ticksPerSecond, type StatLine } from './proc-stats';

/** The command name of a live process, or null when it is gone. */
export function commOf(pid: number): string | null {
  return readStat(pid)?.comm ?? null;
}

/** The root and every descendant currently alive, with their stat lines. */
export function processTree(root: number): StatLine[] {
  const all: StatLine[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) all.push(s);
  }
  const byParent = new Map<number, StatLine[]>();
  for (const s of all) {
    const list = byParent.get(s.ppid);
    if (list) list.push(s);
    else byParent.set(s.ppid, [s]);
  }
  const rootStat = all.find((s) => s.pid === root);
  if (!rootStat) return [];
  const out: StatLine[] = [rootStat];
  for (let i = 0; i < out.length && out.length < 10_000; i++) out.push(...(byParent.get(out[i].pid) ?? []));
  return out;
}

function statusKb(pid: number, field: 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size (shared pages split between the processes sharing them), kB. */
function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** RSS of the whole tree right now, MB. */
export function treeRssMb(root: number): number {
  return processTree(root).reduce((sum, s) => sum + statusKb(s.pid, 'VmRSS'), 0) / 1024;
}

export interface TreeUsage {
  /** CPU over the window, % of one core (sum over the tree) */
  cpuPct: number;
  rssAvgMb: number;
  rssPeakMb: number;
  pssAvgMb: number;
  /** processes in the tree: at the end, and the most seen at once */
  procs: number;
  procsMax: number;
  /** processes that left the tree during the window (their CPU counts up to their last sample) */
  exited: number;
  /** CPU by command name, % of one core */
  byComm: Record<string, number>;
}

/** Samples a process tree every `everyMs` between start() and stop(). */
export class TreeMeter {
  private last = new Map<number, { ticks: number; comm: string }>();
  private cpuTicks = 0;
  private byComm = new Map<string, number>();
  private rss: number[] = [];
  private pss: number[] = [];
  private procsMax = 0;
  private exited = 0;
  private t0 = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly root: number, private readonly everyMs = 1000) {}

  start(): void {
    this.last.clear();
    for (const s of processTree(this.root)) this.last.set(s.pid, { ticks: s.ticks, comm: s.comm });
    this.t0 = performance.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  private sample(): void {
    const tree = processTree(this.root);
    const seen = new Set<number>();
    let rss = 0;
    let pss = 0;
    for (const s of tree) {
      seen.add(s.pid);
      const prev = this.last.get(s.pid);
      // a process first seen now started after the previous sample: all its ticks are in the window
      const d = s.ticks - (prev?.ticks ?? 0);
      this.cpuTicks += d;
      this.byComm.set(s.comm, (this.byComm.get(s.comm) ?? 0) + d);
      this.last.set(s.pid, { ticks: s.ticks, comm: s.comm });
      rss += statusKb(s.pid, 'VmRSS');
      pss += pssKb(s.pid);
    }
    for (const pid of [...this.last.keys()]) {
      if (!seen.has(pid)) {
        this.last.delete(pid);
        this.exited++;
      }
    }
    if (tree.length > 0) {
      this.rss.push(rss / 1024);
      this.pss.push(pss / 1024);
    }
    this.procsMax = Math.max(this.procsMax, tree.length);
  }

  stop(): TreeUsage {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const secs = (performance.now() - this.t0) / 1000;
    const hz = ticksPerSecond();
    const pct = (ticks: number): number => (secs > 0 ? (ticks / hz / secs) * 100 : Number.NaN);
    const avg = (a: number[]): number => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : Number.NaN);
    const byComm: Record<string, number> = {};
    for (const [k, v] of this.byComm) byComm[k] = pct(v);
    return {
      cpuPct: pct(this.cpuTicks),
      rssAvgMb: avg(this.rss),
      rssPeakMb: this.rss.length ? Math.max(...this.rss) : Number.NaN,
      pssAvgMb: avg(this.pss),
      procs: this.last.size,
      procsMax: this.procsMax,
      exited: this.exited,
      byComm,
    };
  }
}
