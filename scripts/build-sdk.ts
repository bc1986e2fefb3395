/**
 * `npm run build:sdk`: the phone SDK's browser bundle, dist/sdk/phone.js (ESM, platform browser,
 * dependencies included), what `latchkey/phone` resolves to under the "browser" condition. Fails if
 * the core pulls in a Node module (test/sdk/browser-bundle.test.ts checks the same).
 */
import { buildSdkBrowserBundle } from '../src/sdk/build.ts';

const { bytes, outfile } = await buildSdkBrowserBundle({ write: true });
process.stdout.write(`build-sdk: ${outfile}: ${bytes} bytes\n`);
