/** Library code never writes to the console: it reports through an injected logger. */
export interface Logger {
  /** Records an event (`noun-action`, e.g. `probe-start`) with optional details. */
  info(event: string, details?: Record<string, unknown>): void;
  /** Records an event that deserves the user's attention. */
  warn(event: string, details?: Record<string, unknown>): void;
}

/** A Logger that drops every record: the default wherever a logger is optional. */
export const silentLogger: Logger = {
  info() {},
  warn() {},
};

/** Progress of long work, reported as `done` of `total` with optional extra figures (spend, ...). */
export type ProgressListener = (progress: {
  stage: string;
  done: number;
  total: number;
  detail?: string;
}) => void;
