/**
 * Per-role controller lists (`--lock-hci`, `--phone-hci`): which host attaches to which
 * controller, and the checks every user of them (`ble run`, `scenario run --transport ble`, the
 * test helpers) makes before anything starts.
 *
 * Why shared: both commands take the same comma-separated lists and must refuse the same bad
 * combinations with the same messages. A list is either one spec shared by every host of the role
 * (only where a controller can serve several hosts: `virtual`, `hciN`, `usb:`) or one spec per
 * host, in order. A `tcp:`/`serial:` controller serves exactly one host (one TCP client, one
 * UART), so a role with one of them needs a spec per host.
 */
import type { HciTransportSpec } from './spec.ts';

/** The hosts of one role a list must cover. */
export interface RoleHosts {
  readonly count: number;
  /** What one host is, for messages: "door" → "give one per door (3)". */
  readonly per: string;
  /** A list longer than `count` is accepted (its extra specs unused): a scenario run serves files of different sizes. */
  readonly extraAllowed?: boolean;
}

/** Throws RangeError (a usage error at the CLI) when `specs` cannot give each of `hosts` a controller. */
export function checkRoleSpecs(flag: string, specs: readonly HciTransportSpec[] | undefined, hosts: RoleHosts): void {
  if (specs === undefined) return;
  const enough = hosts.extraAllowed === true ? specs.length >= hosts.count : specs.length === hosts.count;
  const streams = specs.some((spec) => spec.kind === 'tcp' || spec.kind === 'serial');
  if (specs.length !== 1 && !enough) throw new RangeError(`${flag}: give one controller, or one per ${hosts.per} (${hosts.count})`);
  if (streams && !enough) throw new RangeError(`${flag}: a tcp:/serial: controller serves one host; give one per ${hosts.per} (${hosts.count}), comma-separated`);
}

/**
 * latchkey's in-process air and any other controller never meet: a lock there and a phone
 * elsewhere would only time out. An absent list means `virtual`.
 */
export function checkRolesMeet(lockHci: readonly HciTransportSpec[] | undefined, phoneHci: readonly HciTransportSpec[] | undefined): void {
  const virtualRoles = [lockHci, phoneHci].map((specs) => (specs ?? [{ kind: 'virtual' }]).some((spec) => spec.kind === 'virtual'));
  const externalRoles = [lockHci, phoneHci].map((specs) => (specs ?? []).some((spec) => spec.kind !== 'virtual'));
  if ((virtualRoles[0] && externalRoles[1]) || (virtualRoles[1] && externalRoles[0])) {
    throw new RangeError('--lock-hci/--phone-hci: one role on the in-process virtual air and the other on another controller would never meet; serve the virtual air with `latchkey hci serve` and attach both over tcp:');
  }
}

/** The spec of host `index` from a list of one (shared) or one per host; undefined without a list. */
export function specFor(specs: readonly HciTransportSpec[] | undefined, index: number): HciTransportSpec | undefined {
  if (specs === undefined) return undefined;
  return specs.length === 1 ? specs[0] : specs[index];
}
