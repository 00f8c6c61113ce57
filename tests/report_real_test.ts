// A report of a real optimization on this machine, and writeReport.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { optimize, renderReport, task, writeReport } from "../mod.ts";
import { fixtureModule } from "./_helpers.ts";

test("a real optimization: every chunk size it considered is drawn, and JSON renders the same", async () => {
  const r = await optimize(task(fixtureModule("tasks/basic"), "spin"), Array(300).fill(1), {
    cache: false,
  });
  const measured = [{ workers: 2, chunkSize: r.chunkSize, measuredMs: 200, label: "test" }];
  const html = renderReport({ optimization: r, measured });
  const sizes = new Set(
    r.profile.alternatives.filter((a) => a.executor === "workers").map((a) => a.chunkSize),
  );
  const drawn = new Set(
    [...html.matchAll(/ data-chunk="(\d+)"/g)].map((m) => Number(m[1])),
  );
  assert.deepEqual(drawn, sizes, r.explain());
  if (sizes.size > 0) {
    // The choice is marked: a point of the chosen workers, or the plain loop's annotation (which
    // of the two the measurement decides).
    assert.match(html, /class="(?:[a-z-]+ )*chosen"/);
    assert.match(html, /class="measured"/);
  }
  if (r.profile.breakdown) assert.match(html, /<svg [^>]*id="amorsize-breakdown"/);
  assert.match(html, /<th scope="row">effective cores<\/th>/);
  // The result's JSON (NaN and Infinity become null; data and explain are dropped) renders alike.
  const copy = JSON.parse(JSON.stringify(r));
  assert.equal(renderReport({ optimization: copy, measured }), html);
});

test("writeReport writes the rendered page and returns its absolute path", async () => {
  const dir = mkdtempSync(join(tmpdir(), "amorsize-report-"));
  const input = {
    suiteHistory: [{
      date: "2025-03-10",
      results: [{ workload: "w", actualSpeedup: 2, passed: true }],
    }],
  };
  const path = await writeReport(join(dir, "a", "b", "report.html"), input);
  assert.equal(path, join(dir, "a", "b", "report.html"));
  assert.equal(readFileSync(path, "utf8"), renderReport(input));
  await assert.rejects(writeReport("", input), {
    name: "RangeError",
    message: `'file' must be a non-empty path, got ""`,
  });
  await assert.rejects(writeReport(42 as never, input), { name: "TypeError" });
  await assert.rejects(writeReport(join(dir, "x.html"), {}), { name: "TypeError" });
});
