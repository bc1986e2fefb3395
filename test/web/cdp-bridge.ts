/**
 * Test-side bridge: the page's real Web Bluetooth (Chromium's own code path, not mocked) talks to
 * firmware-model locks through the Chrome DevTools Protocol.
 *
 *   BluetoothEmulation (browser target): simulated peripherals with the latchkey GATT service; each
 *     GATT connection / read / write the page makes arrives as an event and is answered from
 *     `Lock.step` (the same mapping as src/radio/virtual-radio.ts Link.serve).
 *   DeviceAccess (page target): the device chooser; the bridge "is the guest" and picks the lock
 *     it stands at (`standAt`), or cancels when no lock is in range.
 *
 * Follows /work/shared/research/web-bluetooth-cdp.md: a prompt id is answered once (answering twice
 * crashes the browser), Write Without Response is never answered, and no notifications are used.
 */
import type { Browser, CDPSession, Page } from 'playwright-core';
import type { Lock, LockOutput } from '../../firmware-model/lock.ts';
import { challengeCharacteristicUuid, challengeKeyCharacteristicUuid, challengeSignedCharacteristicUuid, exchangeCharacteristicUuid, latchkeyServiceUuid, manufacturerCompanyId } from '../../src/protocol/gatt.ts';
import { attUnlikelyError, readAnswerOf, writeAnswerOf } from '../../src/radio/gatt-adapter.ts';
import type { CharacteristicName } from '../../src/radio/transport.ts';
import { lockNameOf } from '../../src/web/lock-name.ts';

export interface BridgedLock {
  address: string;
  name: string;
  lock: Lock;
  /** Added to wall time when stepping this lock (e.g. +2 h: the guest comes back after checkout). */
  timeOffsetMs: number;
  /** Leave reads and writes unanswered (a lock that went quiet: the page must time out). */
  silent: boolean;
  connectionId: number | undefined;
  operations: number;
}

/** Connection ids for the bridge's links, far above the virtual radio's own (which count from 1). */
let nextConnectionId = 1_000_000;

export class CdpBluetoothBridge {
  readonly locks = new Map<string, BridgedLock>();
  readonly errors: string[] = [];
  private readonly characteristics = new Map<string, { address: string; name: CharacteristicName }>();
  private readonly answeredPrompts = new Set<string>();
  private standing: string | undefined;
  private closeNextChooser = false;
  /** Every chooser the pages opened: prompt id, the devices it listed when answered, and the answer. */
  readonly prompts: { id: string; devices: string[]; answer: 'select' | 'cancel' }[] = [];
  private readonly browserSession: CDPSession;
  private readonly pageSessions: CDPSession[] = [];
  private constructor(browserSession: CDPSession) {
    this.browserSession = browserSession;
  }

  static async attach(browser: Browser, page: Page): Promise<CdpBluetoothBridge> {
    const browserSession = await browser.newBrowserCDPSession();
    const bridge = new CdpBluetoothBridge(browserSession);
    await browserSession.send('BluetoothEmulation.enable', { state: 'powered-on', leSupported: true });
    browserSession.on('BluetoothEmulation.gattOperationReceived', (event) => bridge.guard(bridge.onGattOperation(event)));
    browserSession.on('BluetoothEmulation.characteristicOperationReceived', (event) => bridge.guard(bridge.onCharacteristicOperation(event)));
    await bridge.attachPage(page);
    return bridge;
  }

  /**
   * Answers the chooser of another page too (e.g. a second browser context: a second device). The
   * simulated locks are the browser's; each page has its own DeviceAccess session.
   */
  async attachPage(page: Page): Promise<void> {
    const pageSession = await page.context().newCDPSession(page);
    this.pageSessions.push(pageSession);
    pageSession.on('DeviceAccess.deviceRequestPrompted', (event) => this.guard(this.onPrompt(pageSession, event)));
    await pageSession.send('DeviceAccess.enable', {});
  }

  private guard(work: Promise<void>): void {
    work.catch((error: unknown) => this.errors.push(String(error)));
  }

  /** A lock in range of the browser, advertising `lk-<lock id prefix>` (src/web/lock-name.ts). */
  async addLock(address: string, lock: Lock, options: { timeOffsetMs?: number } = {}): Promise<BridgedLock> {
    const name = lockNameOf(lock.identity.lockId);
    await this.browserSession.send('BluetoothEmulation.simulatePreconnectedPeripheral', {
      address,
      name,
      manufacturerData: [{ key: manufacturerCompanyId, data: Buffer.from(lock.identity.lockId).toString('base64') }],
      knownServiceUuids: [latchkeyServiceUuid],
    });
    const entry: BridgedLock = { address, name, lock, timeOffsetMs: options.timeOffsetMs ?? 0, silent: false, connectionId: undefined, operations: 0 };
    // The bridge steps the lock on the host's wall clock, where a loaded CI box adds seconds of
    // scheduling jitter between the page's Read and its closing Write: give it the slack the BLE
    // run gives real stacks (src/ble/run.ts). The relay bound itself is tested in virtual time.
    lock.config.relayBoundMs = Math.max(lock.config.relayBoundMs, 3_000);
    lock.config.connectionIdleMs = Math.max(lock.config.connectionIdleMs, 10_000);
    this.locks.set(address, entry);
    await this.addGattDatabase(entry);
    return entry;
  }

  private async addGattDatabase(entry: BridgedLock): Promise<void> {
    const { serviceId } = await this.browserSession.send('BluetoothEmulation.addService', { address: entry.address, serviceUuid: latchkeyServiceUuid });
    const add = async (uuid: string, name: CharacteristicName, properties: { read: boolean; write: boolean; writeWithoutResponse: boolean }) => {
      const { characteristicId } = await this.browserSession.send('BluetoothEmulation.addCharacteristic', { serviceId, characteristicUuid: uuid, properties });
      this.characteristics.set(characteristicId, { address: entry.address, name });
    };
    await add(challengeCharacteristicUuid, 'challenge', { read: true, write: false, writeWithoutResponse: false });
    await add(challengeKeyCharacteristicUuid, 'challenge_key', { read: true, write: false, writeWithoutResponse: false });
    await add(challengeSignedCharacteristicUuid, 'challenge_signed', { read: true, write: false, writeWithoutResponse: false });
    await add(exchangeCharacteristicUuid, 'exchange', { read: true, write: true, writeWithoutResponse: true });
  }

  /** The guest stands at this lock: the chooser picks it. undefined: no lock in range (cancel). */
  standAt(address: string | undefined): void {
    this.standing = address;
  }

  /** The guest closes the next chooser without picking, even if their door is listed. */
  cancelNextChooser(): void {
    this.closeNextChooser = true;
  }

  /**
   * The simulated central's state (BluetoothEmulation.setSimulatedCentralState). Observed in Chromium 156:
   * 'absent' → getAvailability() false and requestDevice rejects NotFoundError "Bluetooth adapter not
   * available."; 'powered-off' changes nothing the page can see (getAvailability() true, no
   * availabilitychanged, the chooser still lists and connects the preconnected peripherals).
   */
  async setCentralState(state: 'absent' | 'powered-off' | 'powered-on'): Promise<void> {
    await this.browserSession.send('BluetoothEmulation.setSimulatedCentralState', { state });
  }

  /** The maintenance path: a signed lock update pushed straight to the lock (as the property's hub would). */
  maintenanceUpdate(address: string, update: Uint8Array): LockOutput[] {
    const entry = this.locks.get(address)!;
    return entry.lock.step({ type: 'maintenance_update', update }, Date.now() + entry.timeOffsetMs);
  }

  private step(entry: BridgedLock, input: Parameters<Lock['step']>[0]): LockOutput[] {
    entry.operations++;
    return entry.lock.step(input, Date.now() + entry.timeOffsetMs);
  }

  private async onPrompt(pageSession: CDPSession, event: { id: string; devices: { id: string; name: string }[] }): Promise<void> {
    if (this.answeredPrompts.has(event.id)) return;
    const answer = async (kind: 'select' | 'cancel', deviceId?: string) => {
      this.answeredPrompts.add(event.id);
      this.prompts.push({ id: event.id, devices: event.devices.map((device) => device.id), answer: kind });
      if (kind === 'select') await pageSession.send('DeviceAccess.selectPrompt', { id: event.id, deviceId: deviceId! });
      else await pageSession.send('DeviceAccess.cancelPrompt', { id: event.id });
    };
    if (this.closeNextChooser) {
      this.closeNextChooser = false;
      return answer('cancel');
    }
    const wanted = this.standing === undefined ? undefined : event.devices.find((device) => device.id === this.standing);
    if (wanted !== undefined) return answer('select', wanted.id);
    // Not listed (yet): the prompt is announced again once the chooser has its devices. Cancel if it never is.
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (this.answeredPrompts.has(event.id)) return;
    await answer('cancel');
  }

  private async onGattOperation(event: { address: string; type: 'connection' | 'discovery' }): Promise<void> {
    const entry = this.locks.get(event.address);
    if (entry === undefined) return;
    if (event.type === 'connection') {
      // Web Bluetooth's disconnect() sends no event: a new connection ends the previous link.
      if (entry.connectionId !== undefined) this.step(entry, { type: 'disconnect', connectionId: entry.connectionId });
      entry.connectionId = nextConnectionId++;
      const refused = this.step(entry, { type: 'connect', connectionId: entry.connectionId }).some((output) => output.type === 'disconnect' && output.connectionId === entry.connectionId);
      // HCI 0x0D "Connection Rejected due to Limited Resources" (Core Vol 1 Part F §1.3) when the lock is busy.
      await this.browserSession.send('BluetoothEmulation.simulateGATTOperationResponse', { address: event.address, type: event.type, code: refused ? 0x0d : 0 });
      return;
    }
    await this.browserSession.send('BluetoothEmulation.simulateGATTOperationResponse', { address: event.address, type: event.type, code: 0 });
  }

  private async onCharacteristicOperation(event: { characteristicId: string; type: string; data?: string; writeType?: string }): Promise<void> {
    const target = this.characteristics.get(event.characteristicId);
    const entry = target === undefined ? undefined : this.locks.get(target.address);
    if (target === undefined || entry === undefined || entry.connectionId === undefined || entry.silent) return;
    const respond = (code: number, data?: Uint8Array) =>
      this.browserSession.send('BluetoothEmulation.simulateCharacteristicOperationResponse', {
        characteristicId: event.characteristicId,
        type: event.type as 'read' | 'write',
        code,
        ...(data === undefined ? {} : { data: Buffer.from(data).toString('base64') }),
      });
    if (event.type === 'read') {
      const answer = readAnswerOf(this.step(entry, { type: 'read', connectionId: entry.connectionId, characteristic: target.name, offset: 0 }));
      if (answer?.ok) return void (await respond(0, answer.value));
      return void (await respond(answer === null ? attUnlikelyError : answer.attError));
    }
    if (event.type !== 'write') return;
    const withResponse = event.writeType !== 'write-without-response';
    const data = new Uint8Array(Buffer.from(event.data ?? '', 'base64'));
    const outputs = this.step(entry, { type: 'write', connectionId: entry.connectionId, characteristic: target.name, data, withResponse });
    if (!withResponse) return; // the browser resolved it already; answering would resolve a later write
    const answer = writeAnswerOf(outputs);
    await respond(answer === null ? attUnlikelyError : answer.ok ? 0 : answer.attError);
  }

  async detach(): Promise<void> {
    for (const pageSession of this.pageSessions) await pageSession.detach().catch(() => undefined);
    await this.browserSession.detach().catch(() => undefined);
  }
}
