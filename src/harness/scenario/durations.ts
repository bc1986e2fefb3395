/** Durations in scenario files: "250ms", "30s", "-10m", "+2h", "3d" → milliseconds. */
const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | undefined {
  const match = /^([+-]?)(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[2]) * units[match[3]!]!;
  return match[1] === '-' ? -value : value;
}
