// Outside views of CPU: the whole machine (/proc/stat) and one process by pid (/proc/<pid>/stat).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

export interface MachineCpu {
  /** jiffies the guest ran something (user, nice, system, irq, softirq) */
  readonly busy: number;
  /** jiffies the hypervisor gave to someone else while this VM wanted to run */
  readonly steal: number;
  readonly total: number;
}

export function machineCpu(): MachineCpu | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const steal = f[7] ?? 0;
    return { busy: total - idle - steal, steal, total };
  } catch {
    return null;
  }
}

export interface MachineShare {
  /** share of all cores busy running guest work, 0..1 */
  readonly busy: number;
  /** share of all cores stolen by the hypervisor, 0..1 */
  readonly steal: number;
  /** CPU seconds of guest work, all processes */
  readonly busyCpuS: number;
}

export function machineShare(a: MachineCpu | null, b: MachineCpu | null): MachineShare | null {
  if (!a || !b || b.total <= a.total) return null;
  const t = b.total - a.total;
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    busy: r((b.busy - a.busy) / t),
    steal: r((b.steal - a.steal) / t),
    busyCpuS: r((b.busy - a.busy) / clockTicks()),
  };
}

/** CPU seconds (user + system) of a live process, or null. */
export function processCpuSeconds(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clockTicks();
  } catch {
    return null;
  }
}

/** The pid of the broker scripts/kafka.sh started from KAFKA_DATA_DIR (default .data/kafka), when alive. */
export function localBrokerPid(env: NodeJS.ProcessEnv = process.env): number | null {
  const file = join(env.KAFKA_DATA_DIR ?? join(process.cwd(), '.data/kafka'), 'kafka.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka') ? pid : null;
  } catch {
    return null;
  }
}

export function cpuModel(): string {
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
