/** Prints a fresh link for the demo guest: npx tsx scripts/attack-repro-17/fresh-link.ts <demoLink> <apiKey> [max_use_count] */
import { freshLink } from './api.ts';
const [demo, key, max] = process.argv.slice(2);
console.log((await freshLink(demo!, key!, max ? { max_use_count: Number(max) } : {})).url);
