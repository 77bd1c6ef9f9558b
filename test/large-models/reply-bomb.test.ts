import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startGzipBombUpstream } from "../support/gzip-bomb-upstream.js";
import { tsxLoaderUrl } from "../support/run-cli.js";
import { chatCompletionBody } from "../support/scripted-server.js";

const clientScript = fileURLToPath(new URL("../fixtures/large-models/bomb-client.ts", import.meta.url));

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

// The three clients run at once (each in its own process, measuring its own memory).
describe.concurrent("a compression bomb in the LM's reply (400 MiB of zeros, gzipped)", () => {
  for (const provider of ["openai-compatible", "openai-fetch", "anthropic"]) {
    it(`is refused at the size limit after decompression, with bounded memory (${provider})`, async () => {
      // The client's first call (its warm-up, before the baseline) gets a normal answer.
      const normal =
        provider === "anthropic"
          ? { content: [{ type: "text", text: "a" }], usage: { input_tokens: 1, output_tokens: 1 } }
          : chatCompletionBody("a");
      const upstream = await startGzipBombUpstream({ megabytes: 400, normal: { count: 1, body: normal } });
      const baseUrl = provider === "anthropic" ? upstream.origin : `${upstream.origin}/v1`;
      const outcome = await runClient(baseUrl, provider).finally(() => upstream.close());
      expect(outcome.name).toBe("LargeModelResponseError");
      expect(outcome.message).toContain("once decompressed");
      expect(outcome.growthMb).toBeLessThan(300);
    });
  }
});
