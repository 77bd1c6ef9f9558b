/** Library code never writes to the console: it reports through an injected logger. */
export interface Logger {
  info(event: string, details?: Record<string, unknown>): void;
  warn(event: string, details?: Record<string, unknown>): void;
}

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
