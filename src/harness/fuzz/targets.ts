/** Target registry: fixtures are built once per target from the run seed. */
import { createCredentialTarget } from './credential-target.ts';
import { buildFixtures } from './fixtures.ts';
import { createLockTarget } from './lock-target.ts';
import { createMessagesTarget } from './messages-target.ts';
import type { FuzzTarget, TargetName, TargetOptions } from './types.ts';

export async function createTarget(name: TargetName, options: TargetOptions): Promise<FuzzTarget> {
  const fixtures = await buildFixtures(options.seed);
  switch (name) {
    case 'credential':
      return createCredentialTarget(fixtures, options);
    case 'messages':
      return createMessagesTarget(fixtures, options);
    case 'lock':
      return createLockTarget(fixtures, options);
  }
}
