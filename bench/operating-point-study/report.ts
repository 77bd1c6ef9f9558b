import { percent, points } from "./format.js";
import { capRules, caps, studiedRules } from "./rules.js";
import type { Scenario } from "./scenarios.js";
import type { CapResult, RuleResult } from "./splits.js";
import { maxBelowShare, type StudyOptions, shareTie } from "./study-options.js";
import type { Verdict } from "./verdict.js";

/** Everything the study measured, as the report shows it. */
export interface StudyResults {
  scenarios: readonly Scenario[];
  results: readonly RuleResult[];
  capResults: readonly CapResult[];
  verdicts: readonly Verdict[];
  chosen: Verdict | undefined;
}

/** The `--json` report: the settings, the scenarios' notes and every result. */
export function formatJsonReport(study: StudyResults, options: StudyOptions): string {
  const summary = {
    splits: options.splitCount,
    seed: options.seed,
    selectionShares: options.selectionShares,
    scenarios: study.scenarios.map(({ name, note }) => ({ name, note })),
  };
  const { results, verdicts, chosen, capResults } = study;
  return `${JSON.stringify({ ...summary, results, verdicts, chosen: chosen?.rule ?? null, capResults }, null, 2)}\n`;
}

/** The markdown report: the scenarios, one table per selection share, the rules' full picks, the verdict, the caps. */
export function formatMarkdownReport(study: StudyResults, options: StudyOptions): string {
  const lines: string[] = [
    `# Operating-point rule study (train + dev only; ${options.splitCount} random splits per selection share, seed ${options.seed})`,
    "",
  ];
  for (const scenario of study.scenarios) lines.push(`- ${scenario.name}: ${scenario.note}`);
  for (const selectionShare of options.selectionShares) lines.push(...splitTable(study, selectionShare));
  lines.push(...fullPickTable(study), ...verdictTable(study));
  for (const selectionShare of options.selectionShares) lines.push(...capTable(study, selectionShare));
  return `${lines.join("\n")}\n`;
}

/** Every rule on every scenario, choosing on `selectionShare` of the rows and measured on the rest. */
function splitTable(study: StudyResults, selectionShare: number): string[] {
  const lines = [
    "",
    `## Choosing on ${percent(selectionShare)} of the rows, measuring on the rest`,
    "",
    "Each cell: mean (measured adapted accuracy − LM alone's, points) / splits more than 0.5 points below the LM / mean LM share.",
    "",
    ...tableHeader("| rule |", "|---|", study.scenarios),
  ];
  for (const named of studiedRules) {
    const cells = study.scenarios.map((scenario) => {
      const result = study.results.find(
        (entry) =>
          entry.rule === named.name &&
          entry.scenario === scenario.name &&
          entry.selectionShare === selectionShare,
      );
      return splitCell(result);
    });
    lines.push(`| ${named.name} | ${cells.join(" | ")} |`);
  }
  return lines;
}

/** Each rule's pick on all the probed rows of each scenario. */
function fullPickTable(study: StudyResults): string[] {
  const lines = [
    "",
    "## Each rule's pick on all the probed rows (what `adapt` would keep): LM share / estimated gain over the LM (points)",
    "",
    ...tableHeader("| rule |", "|---|", study.scenarios),
  ];
  for (const named of studiedRules) {
    const cells = study.scenarios.map((scenario) => {
      const result = study.results.find(
        (entry) => entry.rule === named.name && entry.scenario === scenario.name,
      );
      return result === undefined ? "–" : `${percent(result.fullShare)} / ${points(result.fullGain)}`;
    });
    lines.push(`| ${named.name} | ${cells.join(" | ")} |`);
  }
  return lines;
}

/** The criterion applied to every rule, and the chosen one. */
function verdictTable(study: StudyResults): string[] {
  const lines = [
    "",
    `## Verdict: worst scenario at most ${percent(maxBelowShare, 0)} of splits more than 0.5 points below the LM, no scenario's mean below the LM (−0.01 points), then the lowest mean LM share (within ${points(shareTie)} points: the simplest rule)`,
    "",
    "| rule | worst < LM − 0.5 | lowest scenario mean | mean LM share | qualifies |",
    "|---|---|---|---|---|",
  ];
  for (const verdict of study.verdicts) {
    lines.push(
      `| ${verdict.rule} | ${percent(verdict.worstBelow, 1)} | ${points(verdict.lowestMean)} | ${percent(verdict.pooledShare, 2)} | ${verdict.qualifies ? "yes" : "no"} |`,
    );
  }
  lines.push("", `Chosen: ${study.chosen?.rule ?? "none qualifies"}`);
  return lines;
}

/** Both readings of `--max-lm-share` at every cap, choosing on `selectionShare` of the rows. */
function capTable(study: StudyResults, selectionShare: number): string[] {
  const lines = [
    "",
    `## --max-lm-share: choosing on ${percent(selectionShare)} of the rows, measuring on the rest`,
    "",
    "Each cell: mean gain over the LM alone (points) / splits more than 0.5 points below it / mean LM share.",
    "",
    ...tableHeader("| cap | rule |", "|---|---|", study.scenarios),
  ];
  for (const cap of caps) {
    for (const capRule of capRules) {
      const cells = study.scenarios.map((scenario) => {
        const result = study.capResults.find(
          (entry) =>
            entry.cap === cap &&
            entry.rule === capRule.name &&
            entry.scenario === scenario.name &&
            entry.selectionShare === selectionShare,
        );
        return splitCell(result);
      });
      lines.push(`| ${percent(cap, 0)} | ${capRule.name} | ${cells.join(" | ")} |`);
    }
  }
  return lines;
}

/** A markdown table's header and rule lines: the leading columns, then one column per scenario. */
function tableHeader(leading: string, leadingRule: string, scenarios: readonly Scenario[]): string[] {
  return [
    `${leading} ${scenarios.map((scenario) => scenario.name).join(" | ")} |`,
    `${leadingRule}${scenarios.map(() => "---").join("|")}|`,
  ];
}

/** A table cell over the splits: mean gain over the LM (points) / share of splits 0.5 points below it / mean LM share. */
function splitCell(
  result: Pick<RuleResult, "meanGain" | "belowHalfPoint" | "meanLmShare"> | undefined,
): string {
  return result === undefined
    ? "–"
    : `${points(result.meanGain)} / ${percent(result.belowHalfPoint, 1)} / ${percent(result.meanLmShare, 0)}`;
}
