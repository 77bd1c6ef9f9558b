import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { ArtifactError } from "../spec/errors/artifact-error.js";

/**
 * Opens (creating it and its folder if need be) a SQLite cache file: WAL journal, a 5 s busy
 * timeout for other processes, and a schema version in `user_version`. A file of another schema
 * version, or one that is not SQLite, is refused with an ArtifactError naming `what` and the path.
 */
export function openSqliteCacheFile(
  path: string,
  what: string,
  schema: { version: number; createTables: string },
): Database.Database {
  let database: Database.Database | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    database = new Database(path);
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = NORMAL");
    database.pragma("busy_timeout = 5000");
    const version = Number(database.pragma("user_version", { simple: true }));
    if (version !== 0 && version !== schema.version) {
      throw new ArtifactError(`${what} schema version ${version} is not supported`, path);
    }
    database.exec(schema.createTables);
    database.pragma(`user_version = ${schema.version}`);
    return database;
  } catch (error) {
    database?.close();
    if (error instanceof ArtifactError) throw error;
    throw new ArtifactError(
      `cannot open the ${what} (${error instanceof Error ? error.message : String(error)})`,
      path,
      { cause: error },
    );
  }
}
