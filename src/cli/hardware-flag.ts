/** `--hardware <profile|file.json>`: a built-in lock profile name or a measured profile file (firmware-model/hardware/load.ts). */
import { HardwareProfileError, resolveProfile } from '../../firmware-model/hardware/load.ts';
import type { HardwareProfile } from '../../firmware-model/hardware/profiles.ts';
import { UsageError, type ParsedArgs } from './args.ts';

export function hardwareFlag(args: ParsedArgs): HardwareProfile | undefined {
  const raw = args.flags.get('hardware');
  if (raw === undefined) return undefined;
  if (raw === true) throw new UsageError('--hardware needs a profile name or a .json file');
  try {
    return resolveProfile(raw);
  } catch (error) {
    if (error instanceof HardwareProfileError) throw new UsageError(`--hardware: ${error.message}`);
    throw error;
  }
}
