import type { TokenUsage } from "../spec/large-model.js";
import { openSqliteCacheFile } from "../util/sqlite-cache-file.js";

/** One stored LM answer: its text and the token usage it cost when it was first asked. */
export interface CachedAnswer {
  text: string;
  usage: TokenUsage;
}

/**
 * LM answers on disk: a SQLite file (WAL) keyed by model id and the sha256 of the exact request.
 * Each `put` is its own committed write, so a process killed mid-run keeps every answer it got.
 */
export interface AnswerCache {
  readonly path: string;
  get(modelId: string, requestHash: string): CachedAnswer | undefined;
  has(modelId: string, requestHash: string): boolean;
  put(modelId: string, requestHash: string, answer: CachedAnswer): void;
  /** Number of stored answers (all models). */
  size(): number;
  close(): void;
}

const schemaVersion = 1;

/**
 * Opens (or creates) the answer cache at `path`, a SQLite file; wrap a model with
 * `createCachedModel(model, cache)` to use it, and `close()` it when done.
 */
export function createAnswerCache(path: string): AnswerCache {
  const database = openSqliteCacheFile(path, "answer cache", {
    version: schemaVersion,
    createTables: `CREATE TABLE IF NOT EXISTS answers (
      model_id TEXT NOT NULL,
      request_hash TEXT NOT NULL,
      text TEXT NOT NULL,
      prompt_tokens INTEGER NOT NULL,
      completion_tokens INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (model_id, request_hash)
    ) WITHOUT ROWID`,
  });

  const select = database.prepare<
    [string, string],
    { text: string; prompt_tokens: number; completion_tokens: number }
  >("SELECT text, prompt_tokens, completion_tokens FROM answers WHERE model_id = ? AND request_hash = ?");
  const exists = database
    .prepare<[string, string], number>("SELECT 1 FROM answers WHERE model_id = ? AND request_hash = ?")
    .pluck();
  const insert = database.prepare<[string, string, string, number, number, number]>(
    "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
  );
  const count = database.prepare<[], number>("SELECT count(*) FROM answers").pluck();

  return {
    path,
    get(modelId, requestHash) {
      const row = select.get(modelId, requestHash);
      if (row === undefined) return undefined;
      return {
        text: row.text,
        usage: { promptTokens: row.prompt_tokens, completionTokens: row.completion_tokens },
      };
    },
    has: (modelId, requestHash) => exists.get(modelId, requestHash) !== undefined,
    put(modelId, requestHash, answer) {
      insert.run(
        modelId,
        requestHash,
        answer.text,
        answer.usage.promptTokens,
        answer.usage.completionTokens,
        Date.now(),
      );
    },
    size: () => count.get() ?? 0,
    close() {
      if (database.open) database.close();
    },
  };
}
