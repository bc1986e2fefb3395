// Child of file-store-race.ts: waits until argv[3] (ms since epoch), then asks the store for its holder key.
import { FileCredentialStore } from '../../src/sdk/node.ts';
import { createNobleProvider } from '../../src/protocol/crypto/noble.ts';
const [path, at] = [process.argv[2]!, Number(process.argv[3])];
const crypto = createNobleProvider();
const store = new FileCredentialStore(path);
while (Date.now() < at) { /* spin to line both processes up */ }
const holder = await store.holderKey(crypto, (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
process.stdout.write(Buffer.from(holder.publicKey).toString('hex'));
