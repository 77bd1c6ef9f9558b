import { spawn } from "node:child_process";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { tsxLoaderUrl } from "../support/run-cli.js";
import { chatCompletionBody } from "../support/scripted-server.js";

const clientScript = fileURLToPath(new URL("../fixtures/large-models/bomb-client.ts", import.meta.url));
/** 400 MiB of zeros once decompressed: 100 gzip members of 4 MiB each, made from zeros here, never stored. */
const bombMembers = 100;

let server: Server | undefined;
afterEach(async () => {
  const closing = server;
  server = undefined;
  closing?.closeAllConnections();
  await new Promise<void>((resolve) => (closing === undefined ? resolve() : closing.close(() => resolve())));
});

/** The first request gets a normal (gzipped) answer, every later one the bomb, streamed. */
async function startBombServer(provider: string): Promise<string> {
  const member = gzipSync(Buffer.alloc(4 * 1024 * 1024));
  const normal =
    provider === "anthropic"
      ? { content: [{ type: "text", text: "a" }], usage: { input_tokens: 1, output_tokens: 1 } }
      : chatCompletionBody("a");
  let requests = 0;
  server = createServer((incoming, response) => {
    incoming.resume();
    incoming.on("end", () => {
      requests += 1;
      response.on("error", () => {});
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      if (requests === 1) response.end(gzipSync(JSON.stringify(normal)));
      else streamBomb(response, member);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return provider === "anthropic" ? `http://127.0.0.1:${port}` : `http://127.0.0.1:${port}/v1`;
}

function streamBomb(response: ServerResponse, member: Buffer): void {
  let sent = 0;
  const writeMore = () => {
    while (sent < bombMembers && !response.destroyed) {
      sent += 1;
      if (!response.write(member)) {
        response.once("drain", writeMore);
        return;
      }
    }
    response.end();
  };
  writeMore();
}

/** Runs the client in a child process: the error it got and how far its peak RSS grew. */
function runClient(
  baseUrl: string,
  provider: string,
): Promise<{ name: string; message: string; growthMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tsxLoaderUrl, clientScript, baseUrl, provider], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", () => {
      try {
        resolve(JSON.parse(stdout.trim()));
      } catch {
        reject(new Error(`the client printed no result: ${stdout} ${stderr}`));
      }
    });
  });
}

describe("a compression bomb in the LM's reply", () => {
  for (const provider of ["openai-compatible", "openai-fetch", "anthropic"]) {
    it(`is refused at the size limit after decompression, with bounded memory (${provider})`, async () => {
      const baseUrl = await startBombServer(provider);
      const outcome = await runClient(baseUrl, provider);
      expect(outcome.name).toBe("LargeModelResponseError");
      expect(outcome.message).toContain("once decompressed");
      expect(outcome.growthMb).toBeLessThan(300);
    });
  }
});
