import type Database from "better-sqlite3";
import type { TokenUsage } from "../spec/large-model.js";
import { type Logger, silentLogger } from "../spec/logger.js";
import { openSqliteCacheFile } from "../util/sqlite-cache-file.js";
import { AnswerCacheError } from "./errors/answer-cache-error.js";

/** One stored LM answer: its text and the token usage it cost when it was first asked. */
export interface CachedAnswer {
  text: string;
  usage: TokenUsage;
}

/**
 * LM answers on disk: a SQLite file (WAL) keyed by model id and the sha256 of the exact request.
 * Each `put` is its own committed write, so a process killed mid-run keeps every answer it got.
 * A file that cannot be used fails with an AnswerCacheError naming it (or, with
 * `onError: "bypass"`, is left alone from then on: see AnswerCacheOptions).
 */
export interface AnswerCache {
  readonly path: string;
  get(modelId: string, requestHash: string): CachedAnswer | undefined;
  has(modelId: string, requestHash: string): boolean;
  put(modelId: string, requestHash: string, answer: CachedAnswer): void;
  /** Number of stored answers (all models). */
  size(): number;
  /** True once the file failed and the cache was bypassed (`onError: "bypass"`): it answers and stores nothing. */
  isBypassed(): boolean;
  close(): void;
}

/** What the answer cache does when its file cannot be used. */
export interface AnswerCacheOptions {
  /**
   * "throw" (the default): every use of a corrupt, truncated or unreadable file fails with an
   * AnswerCacheError naming it. "bypass": the first failure is reported once through `logger`
   * (warn `answer-cache-bypassed`, with the path and the reason) and from then on the cache
   * answers nothing and stores nothing, so that a server keeps answering without it.
   */
  onError?: "throw" | "bypass";
  logger?: Logger;
}

const schemaVersion = 1;

/**
 * Opens (or creates) the answer cache at `path`, a SQLite file; wrap a model with
 * `createCachedModel(model, cache)` to use it, and `close()` it when done.
 */
export function createAnswerCache(path: string, options: AnswerCacheOptions = {}): AnswerCache {
  let statements: Statements | undefined;
  let bypassed = false;
  const fail = (error: unknown): void => {
    const cacheError = AnswerCacheError.from(error, path);
    if (options.onError !== "bypass") throw cacheError;
    if (bypassed) return;
    bypassed = true;
    statements?.close();
    statements = undefined;
    (options.logger ?? silentLogger).warn("answer-cache-bypassed", {
      path,
      message: `${cacheError.message}; answering without the answer cache`,
    });
  };
  const guard = <Value>(use: (open: Statements) => Value, otherwise: Value): Value => {
    if (statements === undefined) return otherwise;
    try {
      return use(statements);
    } catch (error) {
      fail(error);
      return otherwise;
    }
  };
  try {
    statements = prepareStatements(
      openSqliteCacheFile(path, "answer cache", { version: schemaVersion, createTables }),
    );
  } catch (error) {
    fail(error);
  }
  return {
    path,
    get: (modelId, requestHash) => guard((open) => open.get(modelId, requestHash), undefined),
    has: (modelId, requestHash) => guard((open) => open.get(modelId, requestHash) !== undefined, false),
    put: (modelId, requestHash, answer) => guard((open) => open.put(modelId, requestHash, answer), undefined),
    size: () => guard((open) => open.size(), 0),
    isBypassed: () => bypassed,
    close() {
      statements?.close();
      statements = undefined;
    },
  };
}

const createTables = `CREATE TABLE IF NOT EXISTS answers (
  model_id TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  text TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (model_id, request_hash)
) WITHOUT ROWID`;

/** The open file's queries (they throw SQLite's errors as they come). */
interface Statements {
  get(modelId: string, requestHash: string): CachedAnswer | undefined;
  put(modelId: string, requestHash: string, answer: CachedAnswer): void;
  size(): number;
  close(): void;
}

function prepareStatements(database: Database.Database): Statements {
  try {
    const select = database.prepare<
      [string, string],
      { text: string; prompt_tokens: number; completion_tokens: number }
    >("SELECT text, prompt_tokens, completion_tokens FROM answers WHERE model_id = ? AND request_hash = ?");
    const insert = database.prepare<[string, string, string, number, number, number]>(
      "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
    );
    const count = database.prepare<[], number>("SELECT count(*) FROM answers").pluck();
    return {
      get(modelId, requestHash) {
        const row = select.get(modelId, requestHash);
        if (row === undefined) return undefined;
        return {
          text: row.text,
          usage: { promptTokens: row.prompt_tokens, completionTokens: row.completion_tokens },
        };
      },
      put(modelId, requestHash, answer) {
        const { promptTokens, completionTokens } = answer.usage;
        insert.run(modelId, requestHash, answer.text, promptTokens, completionTokens, Date.now());
      },
      size: () => count.get() ?? 0,
      close() {
        try {
          if (database.open) database.close();
        } catch {
          // A file that broke under us may also refuse a clean close: nothing more to do with it.
        }
      },
    };
  } catch (error) {
    database.close();
    throw error;
  }
}
