import { readFileSync } from "node:fs";

/** User + system CPU time of a process so far, in milliseconds (from /proc/PID/stat, clock ticks of 10 ms). */
export function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A process's resident memory now, in MB (from /proc/PID/status; NaN when absent). */
export function readRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match?.[1] === undefined ? Number.NaN : Math.round(Number(match[1]) / 1024);
}

/** Samples a process's resident memory every 200 ms; `stop()` ends it and returns the peak in MB. */
export function sampleRss(pid: number): { stop(): number } {
  let peak = readRssMb(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, readRssMb(pid));
  }, 200);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, readRssMb(pid));
    },
  };
}
