// drizzle-orm (libsql driver → @libsql/client → Hrana over HTTP or WebSocket) and drizzle-kit against sqld and
// edgelite, over both `http://` and `ws://`:
// sqliteTable CRUD with where/orderBy/limit, returning, count(), committed and rolled-back db.transaction(),
// and `drizzle-kit push --force` (dialect "turso", tablesFilter) creating and then altering a table, which
// exercises drizzle-kit's PRAGMA-based schema introspection; the result is checked through the client.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createClient } from '@libsql/client';
import { and, asc, count, desc, eq, gt, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/libsql';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { E2E_DIR, SERVER_KINDS, makeTempDir, removeTempDir, useServer } from './lib/server.mjs';
import { clientUrl } from './lib/util.mjs';

const DRIZZLE_KIT = join(E2E_DIR, 'node_modules', 'drizzle-kit', 'bin.cjs');

const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  age: integer('age'),
});

const POSTS_V1 = `import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
export const posts = sqliteTable('posts', {
  id: integer('id').primaryKey(),
  title: text('title').notNull(),
});
`;
const POSTS_V2 = `import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
export const posts = sqliteTable('posts', {
  id: integer('id').primaryKey(),
  title: text('title').notNull(),
  views: integer('views').default(0),
});
`;

for (const kind of SERVER_KINDS) {
  for (const scheme of ['http', 'ws']) {
    describe(`${kind}: drizzle over ${scheme}:`, { timeout: 120_000 }, () => {
      const server = useServer(kind);
      let client;
      let db;
      before(async () => {
        client = createClient({ url: clientUrl(server, scheme) });
        db = drizzle({ client });
        await db.run(
          sql`CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, age INTEGER)`,
        );
      });
      after(() => client.close());

      it('inserts with returning, selects with where/orderBy/limit, updates and deletes', async () => {
        const inserted = await db
          .insert(users)
          .values([{ name: 'ann', age: 30 }, { name: 'bob', age: 20 }, { name: 'cyd' }])
          .returning();
        assert.deepEqual(inserted, [
          { id: 1, name: 'ann', age: 30 },
          { id: 2, name: 'bob', age: 20 },
          { id: 3, name: 'cyd', age: null },
        ]);
        assert.deepEqual(await db.select().from(users).where(gt(users.age, 25)), [{ id: 1, name: 'ann', age: 30 }]);
        assert.deepEqual(await db.select({ name: users.name }).from(users).orderBy(desc(users.name)).limit(2), [
          { name: 'cyd' },
          { name: 'bob' },
        ]);
        const upd = await db
          .update(users)
          .set({ age: sql`${users.age} + 1` })
          .where(and(eq(users.name, 'bob'), gt(users.age, 0)));
        assert.equal(upd.rowsAffected, 1);
        assert.deepEqual(await db.select({ age: users.age }).from(users).where(eq(users.id, 2)), [{ age: 21 }]);
        const del = await db.delete(users).where(eq(users.name, 'cyd')).returning({ id: users.id });
        assert.deepEqual(del, [{ id: 3 }]);
        assert.deepEqual(await db.select({ n: count() }).from(users), [{ n: 2 }]);
        await assert.rejects(db.insert(users).values({ name: 'ann' }), (e) => {
          // drizzle wraps the client error; the LibsqlError is its cause.
          assert.equal(e.cause?.code, 'SQLITE_CONSTRAINT');
          return true;
        });
      });

      it('commits db.transaction() and rolls it back when the callback throws or calls rollback()', async () => {
        await db.transaction(async (tx) => {
          await tx.insert(users).values({ name: 'dee', age: 40 });
          await tx.update(users).set({ age: 31 }).where(eq(users.name, 'ann'));
        });
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.delete(users);
            throw new Error('boom');
          }),
          /boom/,
        );
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.insert(users).values({ name: 'eve' });
            tx.rollback();
          }),
          /Rollback/,
        );
        const rows = await db.select({ name: users.name, age: users.age }).from(users).orderBy(asc(users.id));
        assert.deepEqual(rows, [
          { name: 'ann', age: 31 },
          { name: 'bob', age: 21 },
          { name: 'dee', age: 40 },
        ]);
        assert.deepEqual(await db.select({ n: count() }).from(users).where(gt(users.age, 30)), [{ n: 2 }]);
      });

      describe('drizzle-kit push --force', () => {
        let dir;
        const push = async (schema) => {
          writeFileSync(join(dir, 'schema.ts'), schema);
          try {
            const { stdout } = await promisify(execFile)(process.execPath, [DRIZZLE_KIT, 'push', '--force'], {
              cwd: dir,
              timeout: 60_000,
            });
            assert.match(stdout, /Changes applied/);
          } catch (e) {
            assert.fail(`drizzle-kit push failed: ${e.message}\nstdout:\n${e.stdout}\nstderr:\n${e.stderr}`);
          }
        };
        const columns = async () =>
          (
            await client.execute('SELECT name, type, "notnull", pk FROM pragma_table_info(\'posts\') ORDER BY cid')
          ).rows.map((r) => Array.from(r));
        before(() => {
          dir = makeTempDir('drizzle-kit');
          // tablesFilter keeps push away from the other tables (without it, push would ask whether to drop
          // them, which needs a TTY).
          writeFileSync(
            join(dir, 'drizzle.config.ts'),
            `export default {
    dialect: 'turso',
    schema: './schema.ts',
    tablesFilter: ['posts'],
    dbCredentials: { url: ${JSON.stringify(clientUrl(server, scheme))} },
  };
  `,
          );
        });
        after(() => removeTempDir(dir));

        it('creates a table that the client can see and use', async () => {
          await push(POSTS_V1);
          assert.deepEqual(await columns(), [
            ['id', 'INTEGER', 1, 1],
            ['title', 'TEXT', 1, 0],
          ]);
          const ins = await client.execute({ sql: 'INSERT INTO posts (title) VALUES (?)', args: ['hello'] });
          assert.equal(ins.rowsAffected, 1);
        });

        it('alters the existing table and leaves unrelated tables alone', async () => {
          await push(POSTS_V2);
          assert.deepEqual(await columns(), [
            ['id', 'INTEGER', 1, 1],
            ['title', 'TEXT', 1, 0],
            ['views', 'INTEGER', 0, 0],
          ]);
          const rs = await client.execute('SELECT title, views FROM posts');
          assert.deepEqual(
            rs.rows.map((r) => Array.from(r)),
            [['hello', 0]],
          );
          assert.deepEqual(await db.select({ n: count() }).from(users), [{ n: 3 }]);
        });
      });
    });
  }
}
