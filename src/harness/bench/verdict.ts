/**
 * Verdicts for benchmark goals, decided on the unrounded measurement. A figure is only rounded for
 * display, and the display never rounds across the goal: a ratio of 0.846 against a goal of 0.85
 * is shown as 0.846 and "missed", never as "0.85 met". Every goal in BENCHMARKS.md goes through here.
 */

/** How the measured value must compare with the goal's threshold. */
export type GoalComparison = 'at-least' | 'at-most' | 'below';

export interface Goal {
  /** What the goal is about, as printed: "node full verify ÷ openssl 2-verify bound". */
  label: string;
  comparison: GoalComparison;
  threshold: number;
}

export interface Verdict {
  met: boolean;
  /** The unrounded measured value the verdict was decided on. */
  value: number;
  goal: Goal;
}

/** Decides a goal on the exact value; NaN and infinities never meet a goal. */
export function decide(goal: Goal, value: number): Verdict {
  let met: boolean;
  if (!Number.isFinite(value)) met = false;
  else if (goal.comparison === 'at-least') met = value >= goal.threshold;
  else if (goal.comparison === 'at-most') met = value <= goal.threshold;
  else met = value < goal.threshold;
  return { met, value, goal };
}

/** "met" or "**missed**" (bold so a miss stands out in the tables). */
export function verdictWord(verdict: Verdict): string {
  return verdict.met ? 'met' : '**missed**';
}

/**
 * A ratio for display with `decimals` places, rounded toward the side of the goal it is on: a
 * value below an at-least threshold is truncated (0.8499 → 0.849, not 0.850), a value above an
 * at-most threshold is rounded up. Without a goal it rounds to nearest.
 */
export function formatRatio(value: number, decimals = 3, goal?: Goal): string {
  if (!Number.isFinite(value)) return '–';
  const scale = 10 ** decimals;
  let shown = Math.round(value * scale) / scale;
  if (goal !== undefined) {
    const verdict = decide(goal, value);
    const shownVerdict = decide(goal, shown);
    if (verdict.met !== shownVerdict.met) {
      // Rounding crossed the threshold: move one step back to the side the exact value is on.
      shown = goal.comparison === 'at-least' ? Math.floor(value * scale) / scale : Math.ceil(value * scale) / scale;
      if (decide(goal, shown).met !== verdict.met) shown = goal.comparison === 'at-least' ? shown - 1 / scale : shown + 1 / scale;
    }
  }
  return shown.toFixed(decimals);
}

/** "0.846 ≥ 0.85 **missed**": the value as displayed, the goal, and the verdict. */
export function describeVerdict(verdict: Verdict, decimals = 3): string {
  const symbol = verdict.goal.comparison === 'at-least' ? '≥' : verdict.goal.comparison === 'at-most' ? '≤' : '<';
  return `${formatRatio(verdict.value, decimals, verdict.goal)} (goal ${symbol} ${verdict.goal.threshold}) ${verdictWord(verdict)}`;
}
