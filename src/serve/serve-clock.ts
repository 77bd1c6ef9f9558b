/** The server's time source: milliseconds since the epoch, fractional for precise latencies. */
export interface ServeClock {
  now(): number;
}

export const systemClock: ServeClock = {
  now: () => performance.timeOrigin + performance.now(),
};
