/**
 * `latchkey/phone/node`: the SDK's Node-only parts. `FileCredentialStore` keeps the phone in one
 * JSON file (mode 0600, written atomically: a temporary file renamed over it); its holder key is a
 * software key in that file — on a desktop or a test rig there is no secure element, so protect
 * the file as you would an SSH key. `nobleTransport` is the noble central on a controller
 * (`virtual`, `hciN`, `usb:…`, `tcp:HOST:PORT`, `serial:…`: docs/HIL.md).
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import { PhoneError } from './errors.ts';
import { softwareHolderFromSeed, type CredentialStore, type StoredPhone, type StoreHolder } from './store.ts';

export * from './index.ts';

interface FileContent {
  version: 1;
  holderSeed: string;
  phone?: StoredPhone;
}

export class FileCredentialStore implements CredentialStore {
  readonly path: string;
  private holder: StoreHolder | undefined;
  constructor(path: string) {
    this.path = path;
  }

  private read(): FileContent | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const content = JSON.parse(text) as FileContent;
      if (content.version !== 1 || typeof content.holderSeed !== 'string') throw new Error('unknown layout');
      return content;
    } catch (error) {
      throw new PhoneError('storage_corrupt', `${this.path}: not a latchkey phone file (${(error as Error).message})`);
    }
  }

  private write(content: FileContent): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(content)}\n`, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.path);
  }

  async holderKey(crypto: CryptoProvider, random: (n: number) => Uint8Array): Promise<StoreHolder> {
    if (this.holder !== undefined) return this.holder;
    let content = this.read();
    if (content === undefined) {
      content = { version: 1, holderSeed: Buffer.from(random(48)).toString('base64url') };
      this.write(content);
    }
    this.holder = softwareHolderFromSeed(crypto, new Uint8Array(Buffer.from(content.holderSeed, 'base64url')));
    return this.holder;
  }

  async load(): Promise<StoredPhone | undefined> {
    return this.read()?.phone;
  }

  async save(phone: StoredPhone): Promise<void> {
    const content = this.read();
    if (content === undefined) throw new PhoneError('storage_corrupt', `${this.path}: the holder key is gone (the file was removed while in use)`);
    this.write({ ...content, phone });
  }

  async clear(): Promise<void> {
    const content = this.read();
    if (content === undefined) return;
    const { phone: _dropped, ...rest } = content;
    this.write(rest);
  }
}
