import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { ArtifactError } from "../spec/errors/artifact-error.js";
import type { TokenUsage } from "../spec/large-model.js";

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

export function createAnswerCache(path: string): AnswerCache {
  let database: Database.Database;
  try {
    mkdirSync(dirname(path), { recursive: true });
    database = new Database(path);
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = NORMAL");
    database.pragma("busy_timeout = 5000");
    const version = Number(database.pragma("user_version", { simple: true }));
    if (version !== 0 && version !== schemaVersion) {
      database.close();
      throw new ArtifactError(`answer cache schema version ${version} is not supported`, path);
    }
    database.exec(`CREATE TABLE IF NOT EXISTS answers (
      model_id TEXT NOT NULL,
      request_hash TEXT NOT NULL,
      text TEXT NOT NULL,
      prompt_tokens INTEGER NOT NULL,
      completion_tokens INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (model_id, request_hash)
    ) WITHOUT ROWID`);
    database.pragma(`user_version = ${schemaVersion}`);
  } catch (error) {
    if (error instanceof ArtifactError) throw error;
    throw new ArtifactError(
      `cannot open the answer cache (${error instanceof Error ? error.message : String(error)})`,
      path,
      { cause: error },
    );
  }

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
