/**
 * Shared plumbing for the SQLite stores: a prepared-statement cache (preparing costs more than
 * running a small statement) and a page helper that fetches one row more than asked to know
 * whether there is a next page.
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.ts';
import type { Page, PageRequest } from './types.ts';

export interface Sql {
  db: SqliteDatabase;
  get<T>(sql: string, ...params: unknown[]): T | undefined;
  all<T>(sql: string, ...params: unknown[]): T[];
  run(sql: string, ...params: unknown[]): number;
  page<T>(sql: string, params: unknown[], page: PageRequest): Page<T>;
}

export function createSql(db: SqliteDatabase): Sql {
  const cache = new Map<string, Statement<unknown[]>>();
  const prepare = (sql: string): Statement<unknown[]> => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = db.prepare<unknown[]>(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
  return {
    db,
    get: <T>(sql: string, ...params: unknown[]) => prepare(sql).get(...params) as T | undefined,
    all: <T>(sql: string, ...params: unknown[]) => prepare(sql).all(...params) as T[],
    run: (sql: string, ...params: unknown[]) => prepare(sql).run(...params).changes,
    page<T>(sql: string, params: unknown[], page: PageRequest): Page<T> {
      const rows = prepare(`${sql} LIMIT ? OFFSET ?`).all(...params, page.limit + 1, page.offset) as T[];
      const hasNext = rows.length > page.limit;
      return { rows: hasNext ? rows.slice(0, page.limit) : rows, nextOffset: hasNext ? page.offset + page.limit : undefined };
    },
  };
}

/** `IN (?, ?, …)` placeholders for a non-empty list. */
export function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ');
}

/** LIKE pattern escaping (the queries say ESCAPE '\\'). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
