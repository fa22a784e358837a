/** The machine a benchmark ran on (recorded beside every result; this box is shared, so load matters). */
import * as os from 'node:os';

export function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memGB: Math.round(os.totalmem() / 2 ** 30),
    /** 1, 5, 15-minute load averages at the end of the run (> cpus = contended). */
    loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}
