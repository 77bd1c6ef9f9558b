import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadRecordedAnswers } from "../../src/data/recorded-answers.js";
import { startCli } from "../support/run-cli.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const fixture = join(repoRoot, "test", "fixtures", "lm", "colours.csv");

interface MessageBatch {
  id: string;
  processing_status: string;
  request_counts: Record<string, number>;
  results_url: string | null;
}

describe("easy-adapt replay-server's batches", () => {
  it("takes --batch-delay-ms to end a batch, fails every --batch-fail-every-th request, expires past --batch-expire-after", async () => {
    const child = startCli(
      ["replay-server", "--answers", fixture, "--answer-column", "model_a", "--batch-delay-ms", "400"].concat(
        ["--batch-fail-every", "4", "--batch-expire-after", "20"],
      ),
      { cwd: repoRoot },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          stdout += chunk;
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(stdout);
          if (match) resolve(match[1]!);
        });
        child.on("close", () => reject(new Error("exited early")));
      });
      const recorded = (await loadRecordedAnswers([fixture], "model_a")).slice(0, 24);
      const requests = recorded.map((row, index) => ({
        custom_id: `row-${index}`,
        params: { model: "m", max_tokens: 8, messages: [{ role: "user", content: row.text }] },
      }));
      const created = await fetch(`${url}/v1/messages/batches`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ requests }),
      });
      const batch = (await created.json()) as MessageBatch;
      expect(batch.processing_status).toBe("in_progress");
      let status: MessageBatch = batch;
      while (status.processing_status !== "ended") {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = (await (await fetch(`${url}/v1/messages/batches/${batch.id}`)).json()) as MessageBatch;
      }
      expect(status.request_counts).toEqual({
        processing: 0,
        succeeded: 15,
        errored: 5,
        canceled: 0,
        expired: 4,
      });
      const lines = (await (await fetch(status.results_url!)).text()).trim().split("\n");
      expect(lines).toHaveLength(24);
      expect(JSON.parse(lines[0]!).result.message.content[0].text).toBe(recorded[0]!.answer);
      expect(JSON.parse(lines[3]!).result.type).toBe("errored");
      expect(JSON.parse(lines[23]!).result.type).toBe("expired");
    } finally {
      child.kill("SIGTERM");
    }
  });
});
