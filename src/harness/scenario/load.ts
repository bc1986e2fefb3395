/** Collects scenario files from paths (files or directories, sorted) and parses them. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, type Scenario } from './schema.ts';

export function scenarioFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) {
        const child = join(path, name);
        if (statSync(child).isDirectory()) files.push(...scenarioFiles([child]));
        else if (/\.ya?ml$/.test(name)) files.push(child);
      }
    } else files.push(path);
  }
  return files;
}

export function loadScenarios(paths: string[]): Scenario[] {
  return scenarioFiles(paths).map((file) => parseScenario(file, readFileSync(file, 'utf8')));
}
