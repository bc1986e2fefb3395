/**
 * The contract between the fuzz runner and its targets. A target builds its fixtures from the run
 * seed once, then runs one case per call from a per-case random stream; a case reports what
 * happened (an error code, `accepted`, or a finding) and a JSON record of its input so the runner
 * can save it and `--replay` can run it again exactly.
 */
import { errorCodes, LatchkeyError } from '../../protocol/errors.ts';
import type { SeededRandom } from '../../protocol/random.ts';

export const targetNames = ['credential', 'messages', 'lock'] as const;
export type TargetName = (typeof targetNames)[number];

/** crash: an exception other than a LatchkeyError with a table code; hang: a case over its time bound. */
export type FindingKind = 'crash' | 'hang' | 'accepted_invalid' | 'not_canonical' | 'model_mismatch' | 'actuated_on_invalid';

export interface CaseResult {
  /** Which parser or path the case exercised (e.g. `decodeRequest`). */
  sub: string;
  /** `accepted`, or the error code the input was refused with. */
  outcome: string;
  finding?: { kind: FindingKind; detail: string };
}

export interface CaseRun {
  /** JSON-serialisable record of the input (hex for bytes), enough for `replay`. */
  input: () => unknown;
  result: CaseResult;
  /** Raw bytes to add to the mutation pool when the case was interesting (byte targets). */
  poolBytes?: Uint8Array;
}

export interface FuzzTarget {
  readonly name: TargetName;
  runCase(random: SeededRandom): CaseRun | Promise<CaseRun>;
  replay(input: unknown): CaseResult | Promise<CaseResult>;
  /** Adds an interesting input (found this run or loaded from the corpus) to the mutation pool. */
  keep(sub: string, bytes: Uint8Array): void;
}

export interface TargetOptions {
  seed: number;
  /** Deliberately broken mode: must produce a finding quickly (proves the fuzzer can find things). */
  canary: boolean;
}

export type Classified<T> = { kind: 'ok'; value: T } | { kind: 'refused'; code: string } | { kind: 'crash'; detail: string };

/** Runs `fn`: a LatchkeyError with a code from the table is a refusal; anything else a crash. */
export function classify<T>(fn: () => T): Classified<T> {
  try {
    return { kind: 'ok', value: fn() };
  } catch (error) {
    return classifyError(error);
  }
}

export async function classifyAsync<T>(fn: () => Promise<T>): Promise<Classified<T>> {
  try {
    return { kind: 'ok', value: await fn() };
  } catch (error) {
    return classifyError(error);
  }
}

function classifyError(error: unknown): { kind: 'refused'; code: string } | { kind: 'crash'; detail: string } {
  if (error instanceof LatchkeyError && Object.hasOwn(errorCodes, error.code)) return { kind: 'refused', code: error.code };
  return { kind: 'crash', detail: describeError(error) };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}${error.stack ? ` @ ${error.stack.split('\n').slice(1, 3).map((line) => line.trim()).join(' ')}` : ''}`;
  return `non-Error thrown: ${String(error)}`;
}

/** The CaseResult for a classified call that has no further acceptance check. */
export function resultOf(sub: string, classified: Classified<unknown>): CaseResult {
  if (classified.kind === 'crash') return { sub, outcome: 'crash', finding: { kind: 'crash', detail: classified.detail } };
  return { sub, outcome: classified.kind === 'ok' ? 'accepted' : classified.code };
}
