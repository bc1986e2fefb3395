/**
 * `npm run build:web` (and the `prepare` script, which npm runs on `npm ci` / `npm install`):
 * builds the Instant Key web app with esbuild into dist/web/ (app.js, sw.js, manifest.json), so
 * the server serves a prebuilt bundle and never needs esbuild at request time (src/web/serve.ts).
 */
import { buildWebAppBundle, webDistDir, writeWebAppBundle } from '../src/web/serve.ts';

const bundle = await buildWebAppBundle();
writeWebAppBundle(bundle);
process.stdout.write(`build-web: ${webDistDir}: app.js ${bundle.bytes} bytes (${bundle.gzipBytes} gzipped), sw.js, manifest of ${Object.keys(bundle.inputs).length} sources\n`);
