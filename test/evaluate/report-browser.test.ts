import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEvaluationReport } from "../../src/evaluate/build-evaluation-report.js";
import { writeEvaluationReport } from "../../src/evaluate/evaluation-report.js";

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const hasChromium = existsSync(chromiumPath);
if (!hasChromium) {
  console.warn(`report.html browser test skipped: no Chromium at ${chromiumPath} (apt-get install chromium)`);
}

// "unused" is in no gold row and no prediction: it has no F1 anywhere ("–", sorted last).
const hostileName = '<img src=x onerror="window.pwned=1">';
const reportInput = {
  dataset: "tiny",
  task: hostileName,
  models: { lm: "replay:gpt4", ssm: "ngram-linear" },
  labels: ["card", "refund", "exchange", "fee", "unused"],
  gold: ["card", "card", "refund", "refund", "exchange", "exchange", "fee", "fee"],
  ssmLabels: ["card", "card", "refund", "card", "exchange", "card", "fee", "card"],
  lmLabels: ["card", "refund", "refund", "refund", "exchange", "exchange", "card", "fee"],
  routerScores: Float64Array.of(0.1, 0.9, 0.2, 0.8, 0.1, 0.7, 0.3, 0.6),
  operatingPoint: { threshold: 0.6, rule: "cheapest point not below the LM", chosenOn: "dev" },
  latenciesMs: { lm: [400, 600, 500, 500, 1000, 300, 450, 500], ssm: [1, 1, 1, 1, 1, 1, 1, 1] },
  counts: { train: 20, dev: 8, test: 8 },
  timings: { adapt: 1234 },
  ablations: [{ name: "plain SSM", accuracy: 0.75, macroF1: 0.7, lmShare: 0.5 }],
  notes: ["hand-made rows"],
  now: () => new Date("2026-01-02T03:04:05.000Z"),
};
const report = buildEvaluationReport(reportInput);
/** The same rows without ablations, the operating point chosen by macro-F1. */
const macroF1Report = buildEvaluationReport({ ...reportInput, ablations: [], metric: "macro-f1" });

describe.skipIf(!hasChromium)("report.html in a real browser (headless Chromium)", () => {
  let browser: Browser;
  let outDir: string;
  let url: string;
  let macroF1Url: string;

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), "report-html-"));
    const files = await writeEvaluationReport(report, outDir);
    url = pathToFileURL(files.htmlPath).href;
    const macroF1Files = await writeEvaluationReport(macroF1Report, join(outDir, "macro-f1"));
    macroF1Url = pathToFileURL(macroF1Files.htmlPath).href;
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await rm(outDir, { recursive: true, force: true });
  });

  it("shows the systems, the operating point and the chart, runs no injected markup, logs no error", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(url);

    expect(await page.locator("h1").textContent()).toBe(`tiny: ${hostileName} (test)`);
    expect(await page.evaluate(() => (globalThis as { pwned?: number }).pwned)).toBeUndefined();
    const systems = await page.locator("#systems tbody tr td:first-child").allTextContents();
    expect(systems).toHaveLength(4);
    expect(systems.join(" | ")).toMatch(/LM alone.*SSM alone.*adapted.*oracle/);
    expect(await page.locator("#operating-point").textContent()).toContain("chosen on dev");
    // The chart is inline SVG the browser lays out: a real size, and the axis titles as text.
    const box = await page.locator("#operating-curve svg").boundingBox();
    expect(box?.width).toBeGreaterThan(200);
    expect(box?.height).toBeGreaterThan(100);
    expect(await page.locator("#operating-curve svg").textContent()).toMatch(/LM.call share/i);
    expect(await page.locator("#ablations tbody tr").count()).toBe(1);
    // Self-contained: the page loads nothing but itself.
    expect(requests).toEqual([url]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("sorts the per-label F1 table by a clicked column, blanks last", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    const column = async (index: number) =>
      page.locator(`#per-label tbody tr td:nth-child(${index})`).allTextContents();
    expect(await column(1)).toEqual(["card", "refund", "exchange", "fee", "unused"]);

    const adaptedHeader = page.locator("#per-label th", { hasText: "adapted F1" });
    await adaptedHeader.click();
    expect(await adaptedHeader.getAttribute("aria-sort")).toBe("ascending");
    const ascendingCells = await column(2);
    expect(ascendingCells.at(-1)).toBe("–");
    const ascending = ascendingCells.slice(0, -1).map(Number);
    expect(ascending).toEqual([...ascending].sort((left, right) => left - right));
    expect(new Set(ascending).size).toBeGreaterThan(1);
    await adaptedHeader.click();
    expect(await adaptedHeader.getAttribute("aria-sort")).toBe("descending");
    const descendingCells = await column(2);
    expect(descendingCells.at(-1)).toBe("–");
    const descending = descendingCells.slice(0, -1).map(Number);
    expect(descending).toEqual([...descending].sort((left, right) => right - left));

    await page.locator("#per-label th", { hasText: "label" }).click();
    expect(await column(1)).toEqual(["card", "exchange", "fee", "refund", "unused"]);
    await page.close();
  });

  it("sorts by keyboard: Tab reaches the header buttons, Enter and Space sort, aria-sort follows", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    const column = async (index: number) =>
      page.locator(`#per-label tbody tr td:nth-child(${index})`).allTextContents();
    // The label of the focused header button of the per-label table, or null.
    const focused = () =>
      page.evaluate<string | null>(
        `(() => { const active = document.activeElement;
          return active?.tagName === "BUTTON" && active.closest("#per-label") ? active.textContent : null; })()`,
      );
    // Tab from the top of the page until a header button of the per-label table has the focus.
    let reached: string | null = null;
    for (let presses = 0; presses < 40 && reached === null; presses += 1) {
      await page.keyboard.press("Tab");
      reached = await focused();
    }
    expect(reached).toBe("label");
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("adapted F1");
    const header = page.locator("#per-label th").nth(1);
    expect(await header.getAttribute("aria-sort")).toBe("none");
    await page.keyboard.press("Enter");
    expect(await header.getAttribute("aria-sort")).toBe("ascending");
    const ascending = (await column(2)).slice(0, -1).map(Number);
    expect(ascending).toEqual([...ascending].sort((left, right) => left - right));
    await page.keyboard.press("Space");
    expect(await header.getAttribute("aria-sort")).toBe("descending");
    const descending = (await column(2)).slice(0, -1).map(Number);
    expect(descending).toEqual([...descending].sort((left, right) => right - left));
    expect(await page.locator("#per-label th").first().getAttribute("aria-sort")).toBe("none");
    await page.close();
  });

  it("fits a 390 px phone screen: no sideways page scroll, wide tables scroll in their own box", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(url);
    const widths = await page.evaluate<{ page: number; viewport: number; chart: number }>(
      `({ page: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth,
          chart: document.querySelector("#operating-curve .chart-scroll").getBoundingClientRect().right })`,
    );
    expect(widths.viewport).toBe(390);
    expect(widths.page).toBeLessThanOrEqual(390);
    expect(widths.chart).toBeLessThanOrEqual(390);
    // The chart keeps a legible size and pans inside its own box rather than shrinking to a stamp.
    expect((await page.locator("#operating-curve svg").boundingBox())?.width ?? 0).toBeGreaterThan(500);
    // The systems table is wider than the phone: its own container scrolls, not the page.
    const box = await page.evaluate<{ overflow: string; scroll: number; client: number }>(
      `(() => { const container = document.querySelector("#systems").parentElement;
        return { overflow: getComputedStyle(container).overflowX, scroll: container.scrollWidth, client: container.clientWidth }; })()`,
    );
    expect(box.overflow).toBe("auto");
    expect(box.client).toBeLessThanOrEqual(390);
    expect(box.scroll).toBeGreaterThan(box.client);
    expect(await page.locator("#systems").isVisible()).toBe(true);
    await page.close();
  });

  it("plots the metric that chose the point on a log share axis, says why 100% is above the LM, times in seconds", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    const chart = page.locator("#operating-curve svg");
    const chartBox = await chart.boundingBox();
    const bodyBox = await page.locator("body").boundingBox();
    // Full width: the chart spans the page's text column.
    expect(chartBox?.width ?? 0).toBeGreaterThan((bodyBox?.width ?? 0) * 0.8);
    expect(await chart.textContent()).toContain("LM-call share (log scale)");
    expect(await chart.textContent()).toContain("2%");
    const caption = (await page.locator("#operating-curve figcaption").textContent()) ?? "";
    expect(caption).toContain('At 100% LM share the curve can sit above "LM alone"');
    expect(caption).toContain("answer gate");
    expect(await page.locator("#oracle-note").textContent()).toContain(
      "Its LM share counts the rows only the LM gets right",
    );
    expect(await page.locator("#operating-point").textContent()).toContain(
      "The metric that chose it: accuracy.",
    );
    expect(
      await page
        .locator("h2", { hasText: "Timings" })
        .locator("xpath=following-sibling::ul[1]")
        .textContent(),
    ).toBe("adapt: 1.23 s");

    await page.goto(macroF1Url);
    expect(await page.locator("#operating-point").textContent()).toMatch(
      /chosen on dev: .*macro-F1 \d.* The metric that chose it: macro-F1\.$/,
    );
    expect(await page.locator("#operating-curve svg").textContent()).toContain("macro-F1");
    // No ablations: no section, and no word promising one.
    expect(await page.locator("#ablations").count()).toBe(0);
    expect((await page.locator("body").textContent())?.toLowerCase()).not.toContain("ablation");
    await page.close();
  });
});
