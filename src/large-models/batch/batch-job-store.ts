import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { ArtifactError } from "../../spec/errors/artifact-error.js";

/** A batch submitted and not yet read to the end: its id and the requests (cache keys) it holds. */
export interface BatchJob {
  batchId: string;
  requestHashes: string[];
  /** Unix milliseconds. */
  submittedAt: number;
}

/**
 * The batches submitted for one answer cache, stored in the cache's own SQLite file (tables
 * `batch_jobs` and `batch_job_requests`), so that a run killed while a batch is running finds
 * its batch again on the next run instead of submitting it twice.
 */
export interface BatchJobStore {
  /** Records a submitted batch (one transaction, right after the provider gave its id). */
  record(endpoint: string, modelId: string, batchId: string, requestHashes: readonly string[]): void;
  /** The batches of this endpoint and model not yet read to the end, oldest first. */
  unfinished(endpoint: string, modelId: string): BatchJob[];
  /** Marks a batch read to the end: it is never polled again. */
  finish(batchId: string): void;
  close(): void;
}

const createTables = `
CREATE TABLE IF NOT EXISTS batch_jobs (
  batch_id TEXT PRIMARY KEY,
  endpoint TEXT NOT NULL,
  model_id TEXT NOT NULL,
  request_set TEXT NOT NULL,
  request_count INTEGER NOT NULL,
  submitted_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE TABLE IF NOT EXISTS batch_job_requests (
  batch_id TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  PRIMARY KEY (batch_id, request_hash)
) WITHOUT ROWID;`;

/** sha256 of the sorted request keys: the key of a request set. */
export function requestSetKey(requestHashes: readonly string[]): string {
  const hash = createHash("sha256");
  for (const key of [...requestHashes].sort()) hash.update(`${key}\n`);
  return hash.digest("hex");
}

/** Opens the batch tables of the SQLite answer cache at `path` (creating them if need be). */
export function openBatchJobStore(path: string): BatchJobStore {
  let database: Database.Database;
  try {
    mkdirSync(dirname(path), { recursive: true });
    database = new Database(path);
    database.pragma("journal_mode = WAL");
    database.pragma("busy_timeout = 5000");
    database.exec(createTables);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ArtifactError(`cannot open the batch table of the answer cache (${reason})`, path, {
      cause: error,
    });
  }
  const insertJob = database.prepare("INSERT OR REPLACE INTO batch_jobs VALUES (?, ?, ?, ?, ?, ?, NULL)");
  const insertRequest = database.prepare("INSERT OR IGNORE INTO batch_job_requests VALUES (?, ?)");
  const selectJobs = database.prepare<[string, string], { batch_id: string; submitted_at: number }>(
    "SELECT batch_id, submitted_at FROM batch_jobs WHERE endpoint = ? AND model_id = ? AND finished_at IS NULL ORDER BY submitted_at",
  );
  const selectRequests = database
    .prepare<[string], string>("SELECT request_hash FROM batch_job_requests WHERE batch_id = ?")
    .pluck();
  const finishJob = database.prepare("UPDATE batch_jobs SET finished_at = ? WHERE batch_id = ?");
  const recordJob = database.transaction(
    (endpoint: string, modelId: string, batchId: string, hashes: readonly string[]) => {
      insertJob.run(batchId, endpoint, modelId, requestSetKey(hashes), hashes.length, Date.now());
      for (const hash of hashes) insertRequest.run(batchId, hash);
    },
  );
  return {
    record: (endpoint, modelId, batchId, hashes) => {
      recordJob(endpoint, modelId, batchId, hashes);
    },
    unfinished: (endpoint, modelId) =>
      selectJobs.all(endpoint, modelId).map((row) => ({
        batchId: row.batch_id,
        requestHashes: selectRequests.all(row.batch_id),
        submittedAt: row.submitted_at,
      })),
    finish: (batchId) => {
      finishJob.run(Date.now(), batchId);
    },
    close: () => {
      if (database.open) database.close();
    },
  };
}
