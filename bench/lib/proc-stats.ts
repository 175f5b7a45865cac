/** CPU and memory of a child process from /proc (Linux only). */
import { execFileSync } from 'node:child_process';
import { procStat } from '../../core/ffmpeg/processes';
import { readFileSync } from 'node:fs';

let clkTck = 0;

/** Clock ticks per second (the unit of the /proc stat times). */
export function ticksPerSecond(): number {
  if (clkTck === 0) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

export interface StatLine {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime (all threads), clock ticks */
  ticks: number;
}

/** /proc/<pid>/stat, or null when the process is gone (parsed by the core's reader). */
export function readStat(pid: number): StatLine | null {
  const st = procStat(pid);
  return st ? { pid, ppid: st.ppid, comm: st.comm, ticks: st.ticks } : null;
}

/** utime + stime of the process (all threads), in seconds; null when the process is gone. */
export function cpuSeconds(pid: number): number | null {
  const s = readStat(pid);
  return s ? s.ticks / ticksPerSecond() : null;
}

/** Resident set size in MB (VmRSS), or null when the process is gone. */
export function rssMb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** write-family syscalls so far (write, writev, send…; syscw of /proc/<pid>/io), or null when unreadable. */
export function writeSyscalls(pid: number): number | null {
  try {
    const m = /^syscw:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** CPU % of one core between start() and stop(), write syscalls per second, and RSS peak / average from periodic samples. */
export class ProcMeter {
  private cpu0 = 0;
  private syscw0: number | null = null;
  private t0 = 0;
  private timer: NodeJS.Timeout | null = null;
  private peak = 0;
  private windowSum = 0;
  private windowCount = 0;
  private inWindow = false;

  constructor(readonly pid: number, private readonly sampleMs = 250) {}

  /** Begin RSS sampling (counts toward the peak only). */
  watch(): void {
    if (this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.sampleMs);
  }

  private sample(): void {
    const r = rssMb(this.pid);
    if (r === null) return;
    if (r > this.peak) this.peak = r;
    if (this.inWindow) {
      this.windowSum += r;
      this.windowCount++;
    }
  }

  /** Begin the measurement window: CPU baseline; RSS samples from here on count toward the average. */
  start(): void {
    this.watch();
    this.cpu0 = cpuSeconds(this.pid) ?? 0;
    this.syscw0 = writeSyscalls(this.pid);
    this.t0 = performance.now();
    this.inWindow = true;
    this.sample();
  }

  stop(): { cpuPct: number; writesPerSec: number; rssPeakMb: number; rssAvgMb: number } {
    const cpu1 = cpuSeconds(this.pid);
    const syscw1 = writeSyscalls(this.pid);
    const elapsed = (performance.now() - this.t0) / 1000;
    this.sample();
    this.inWindow = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return {
      cpuPct: cpu1 === null || elapsed <= 0 ? Number.NaN : ((cpu1 - this.cpu0) / elapsed) * 100,
      writesPerSec: syscw1 === null || this.syscw0 === null || elapsed <= 0 ? Number.NaN : (syscw1 - this.syscw0) / elapsed,
      rssPeakMb: this.peak,
      rssAvgMb: this.windowCount > 0 ? this.windowSum / this.windowCount : Number.NaN,
    };
  }
}

/** Whole-machine CPU counters from /proc/stat: busy and total jiffies over all cores. */
function hostTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((s, v) => s + v, 0);
  return { busy: total - f[3] - f[4], total };
}

/** Fraction of the whole machine (all cores) that was busy between start() and stop(), in %. */
export class HostMeter {
  private t0 = hostTicks();

  start(): void {
    this.t0 = hostTicks();
  }

  stop(): number {
    const t1 = hostTicks();
    const total = t1.total - this.t0.total;
    return total > 0 ? ((t1.busy - this.t0.busy) / total) * 100 : Number.NaN;
  }
}
