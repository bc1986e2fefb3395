/**
 * `latchkey/phone`: the phone SDK (docs/SDK.md). Platform-neutral (browsers, React Native,
 * Capacitor, Node): nothing here imports a Node module. Node-only pieces (a file store, noble) are
 * in `latchkey/phone/node`.
 */
export { createPhone, type Phone, type PhoneOptions, type PhoneState, type PhoneStatus, type TapRunOptions, type UnlockResult } from './phone.ts';
export { PhoneError, isPhoneError } from './errors.ts';
export { MemoryCredentialStore, softwareHolderFromSeed, type CredentialStore, type StoredPhone, type StoreHolder } from './store.ts';
export { IndexedDbCredentialStore } from './indexeddb-store.ts';
export { adapterTransport, type AdapterAdvertisement, type AdapterTransportOptions, type BleAdapter } from './ble-adapter.ts';
export { simulatorTransport, type SimulatorTransport, type WebSocketConstructor } from './simulator-transport.ts';
export { walletFromBundle, type Bundle, type Entrance } from './bundle.ts';
export { WebBluetoothTransport } from '../web/web-bluetooth-transport.ts';
export { TapRanker, tapDefaults, type TapOptions, type TapDecision } from '../phone/tap.ts';
export type { Transport, Advertisement, GattConnection } from '../radio/transport.ts';
export type { ErrorCode } from '../protocol/errors.ts';
export { errorCodes } from '../protocol/errors.ts';
