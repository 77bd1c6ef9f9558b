import {
  type CurvePoint,
  chooseCappedPoint,
  type DefaultRule,
  defaultRule,
} from "../../src/fit/operating-point.js";

/** A candidate for the `default` operating-point rule, named as the report's rows are. */
export interface NamedRule {
  name: string;
  rule: DefaultRule;
}

/** A reading of `--max-lm-share`: the point it picks on a curve under a cap. */
export interface CapRule {
  name: string;
  choose: (curve: readonly CurvePoint[], cap: number) => CurvePoint;
}

/** The rule as it was before this study (z 2.326, 0.2 point + 1 SE, every costlier point, no margin). */
const baseRule: DefaultRule = {
  safetyZ: 2.326,
  tolerance: 0.002,
  nearStandardErrors: 1,
  everyCostlier: true,
  margin: 0,
  pseudoDiffering: 0,
};

/** The candidate rules, simplest first (a tie in LM share goes to the earliest listed). */
export const studiedRules: readonly NamedRule[] = listStudiedRules();

function listStudiedRules(): NamedRule[] {
  const rules: NamedRule[] = [];
  const rule = (name: string, changes: Partial<DefaultRule>): void => {
    rules.push({ name, rule: { ...baseRule, ...changes } });
  };
  for (const z of [0, 1, 1.645, 2.326, 3])
    rule(z === 2.326 ? "z 2.326 (the rule before)" : `z ${z}`, { safetyZ: z });
  rule("z 2.326, tol 0.5 pt", { tolerance: 0.005 });
  rule("z 1.645, point only", { safetyZ: 1.645, everyCostlier: false });
  for (const z of [1, 1.645, 2.326]) {
    for (const pseudo of [1, 4]) {
      for (const margin of [0, 0.0025, 0.005]) {
        rule(`z ${z}, +${pseudo} differing, margin ${margin * 100} pt`, {
          safetyZ: z,
          pseudoDiffering: pseudo,
          margin,
        });
      }
    }
  }
  return rules;
}

/** The caps `--max-lm-share` is studied at. */
export const caps: readonly number[] = [0.85, 0.5, 0.3, 0.12];

/** The two readings of `--max-lm-share`. */
export const capRules: readonly CapRule[] = [
  {
    name: "most accurate under the cap (before)",
    choose: (curve, cap) => {
      let chosen = curve[0] ?? curve[curve.length - 1];
      for (const point of curve) {
        if (point.lmShare <= cap + 1e-12 && (chosen === undefined || point.accuracy > chosen.accuracy))
          chosen = point;
      }
      if (chosen === undefined) throw new Error("empty curve");
      return chosen;
    },
  },
  { name: "chooseCappedPoint (in use)", choose: (curve, cap) => chooseCappedPoint(curve, cap, defaultRule) },
];
