import { refreshAdapter } from "../refresh/refresh-adapter.js";
import type { RefreshJob, RefreshJobResult } from "./refresh-worker.js";

/**
 * The refresh a worker thread runs (`runRefreshInWorker`): `refreshAdapter` on the job's plain
 * data, its adapter saved to the job's folder. No LLM is asked: every answer is in the job.
 */
export async function runRefreshJob(job: RefreshJob): Promise<RefreshJobResult> {
  const refreshed = await refreshAdapter({
    from: job.from,
    answers: job.answers,
    ...(job.goldRows === undefined ? {} : { goldRows: job.goldRows }),
    ...(job.maxDisagreement === undefined ? {} : { maxDisagreement: job.maxDisagreement }),
    ...(job.seed === undefined ? {} : { seed: job.seed }),
    ...(job.trainingThreads === undefined ? {} : { trainingThreads: job.trainingThreads }),
  });
  await refreshed.result.save(job.outDir);
  return {
    outDir: job.outDir,
    rows: refreshed.rows,
    ...(refreshed.before === undefined ? {} : { before: refreshed.before }),
    after: refreshed.after,
  };
}
