import { test } from "node:test";
import assert from "node:assert/strict";
import { createPool, execute, optimize, task } from "../mod.ts";
import { fixtureModule } from "./_helpers.ts";

const docs = Array.from({ length: 40 }, (_, i) => `# Title ${i}\n\n*emphasis* and **strong** ${i}`);

test("npm imports: a task module importing an npm package runs in workers as it does here", async () => {
  const render = task<string, string>(fixtureModule("tasks/npm_import"), "render");
  const inline = await execute(render, docs, { executor: "inline" });
  const workers = await execute(render, docs, { executor: "workers", workers: 2, chunkSize: 3 });
  assert.deepEqual(workers, inline);
  assert.match(inline[0], /<h1>Title 0<\/h1>/);
});

test("npm imports: a module workers cannot load: optimize warns, automatic execute agrees", async () => {
  const t = task<string, string>(fixtureModule("tasks/main_only"), "render");
  // About 1.5 s of rendering here: far over the size where starting workers could not pay even
  // on a cold pool (a job of a few hundred ms is refused as too small on Deno, whose worker
  // constructor holds this thread 40–55 ms a worker, and no worker tries the module). A pool of
  // its own: on the default pool, warm from the tests before, the decision can come from the
  // look, where workers that would not pay on a loaded machine are never tried.
  const many = Array.from({ length: 1200 }, (_, i) => docs[i % docs.length].repeat(200));
  const pool = createPool();
  try {
    const r = await optimize(t, many, { cache: false, pool });
    assert.equal(r.executor, "inline");
    assert.ok(
      r.warnings.some((w) => /cannot load .*in a worker/i.test(w)),
      `${r.reason}\n${r.warnings.join("\n")}`,
    );
    const out = await execute(t, many, { cache: false, pool });
    assert.equal(out.length, many.length);
    assert.match(out[0], /<h1>Title 0<\/h1>/);
  } finally {
    await pool.close();
  }
});
