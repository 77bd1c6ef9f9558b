import { describe, expect, it } from "vitest";
import { loadAdapter } from "../../src/adapter/load-adapter.js";
import { readTicketRows, ticketsAdapterFolder } from "../fixtures/serve/tickets-adapter.js";
import { runCli } from "../support/run-cli.js";

describe("predict --json without an LM", () => {
  it('gives fallbackReason "no-lm" to the texts the router sends to the LM, and none to the others', async () => {
    const adapterDir = await ticketsAdapterFolder();
    const adapter = await loadAdapter(adapterDir, { largeModel: undefined });
    const texts = readTicketRows("test.csv").map((row) => row.text);
    const lmText = texts.find((text) => adapter.decide(text).useLm) ?? "";
    const ssmText = texts.find((text) => !adapter.decide(text).useLm) ?? "";
    await adapter.close();

    const result = await runCli(["predict", "--adapter", adapterDir, "--json", lmText, ssmText]);
    expect(result.status).toBe(0);
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toMatchObject([
      { text: lmText, route: "fallback", fallbackReason: "no-lm" },
      { text: ssmText, route: "ssm" },
    ]);
    expect(lines[1]).not.toHaveProperty("fallbackReason");
  }, 60_000);
});
