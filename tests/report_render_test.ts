// renderReport on fixed inputs: self-contained, accessible, deterministic HTML with the charts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { renderReport } from "../mod.ts";
import type { ReportInput, ReportOptimization, SuiteHistoryRun } from "../mod.ts";
import { fixturePath } from "./_helpers.ts";

const json = (name: string) => JSON.parse(readFileSync(fixturePath(`report/${name}`), "utf8"));
const optimization = (): ReportOptimization => json("optimization_8_cores.json");
const measured = json("measured.json") as {
  measuredSerialMs: number;
  points: NonNullable<ReportInput["measured"]>;
};
const history = (): SuiteHistoryRun[] => json("suite_history.json");
const full = (): ReportInput => ({
  optimization: optimization(),
  measured: measured.points,
  measuredSerialMs: measured.measuredSerialMs,
  suiteHistory: history(),
});

/** The `<svg …>…</svg>` elements of a page, by id. */
function svgs(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/<svg [^>]*id="([^"]+)"[\s\S]*?<\/svg>/g)) out.set(m[1], m[0]);
  return out;
}

test("the page is self-contained: no script, no external resource, a CSP that forbids both", () => {
  const html = renderReport(full());
  assert.match(html, /^<!doctype html>\n<html lang="en">/);
  assert.doesNotMatch(html, /<script|javascript:|\son[a-z]+=/i);
  assert.doesNotMatch(html, /\s(src|href)=/i);
  assert.doesNotMatch(html, /<(link|img|iframe|object|embed)\b/i);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.match(html, /<style>[^<]+<\/style>/);
});

test("every chart is an accessible image: role, title and desc referenced by aria-labelledby", () => {
  const charts = svgs(renderReport(full()));
  assert.deepEqual([...charts.keys()].sort(), [
    "amorsize-breakdown",
    "amorsize-history",
    "amorsize-speedup",
  ]);
  for (const [id, svg] of charts) {
    assert.match(svg, /^<svg [^>]*role="img"/, id);
    assert.match(svg, new RegExp(`aria-labelledby="${id}-title ${id}-desc"`), id);
    assert.match(svg, new RegExp(`<title id="${id}-title">[^<]{10,}</title>`), id);
    assert.match(svg, new RegExp(`<desc id="${id}-desc">[^<]{20,}</desc>`), id);
    assert.match(svg, /viewBox="0 0 \d+ \d+"/, id);
  }
});

test("the speedup chart has one series per candidate chunk size and marks the choice", () => {
  const opt = optimization();
  const svg = svgs(renderReport({ optimization: opt })).get("amorsize-speedup")!;
  const sizes = new Set(
    opt.profile.alternatives.filter((a) => a.executor === "workers").map((a) => a.chunkSize),
  );
  const series = [...svg.matchAll(/<g class="series[^"]*" data-chunk="(\d+)"/g)].map((m) => +m[1]);
  assert.deepEqual(new Set(series), sizes);
  assert.equal(series.length, sizes.size);
  // Five sizes in colour, the chosen one among them; the rest drawn faint.
  assert.equal(svg.match(/<g class="series" /g)?.length, 5);
  assert.match(svg, /<g class="series" data-chunk="18"/);
  assert.match(svg, />18 \(chosen\)</);
  const chosen = /<circle cx="([\d.]+)" cy="([\d.]+)" r="10"[^>]*class="chosen"/.exec(svg);
  assert.ok(chosen, "the chosen configuration is circled");
  // The ring sits on the predicted point of 7 workers × chunks of 18.
  const dot = new RegExp(`<circle cx="${chosen[1]}" cy="${chosen[2]}" r="3.5"`);
  assert.match(svg, dot);
  assert.match(svg, /chosen: 7 workers × 18 → 3\.94×/);
  assert.match(svg, /rejected: memory cap/); // 8 workers exceed the memory cap of the fixture
  assert.match(svg, /Workers \(count\)/);
  assert.match(svg, /Predicted speedup over the plain loop \(×\)/);
});

test("measured points are drawn with speedups against the measured plain loop", () => {
  const svg = svgs(renderReport(full())).get("amorsize-speedup")!;
  assert.equal(svg.match(/class="measured"/g)?.length, 4);
  const speedup = (1012 / 268).toFixed(2); // measuredSerialMs / measuredMs of the validation
  assert.match(
    svg,
    new RegExp(`measured \\(validation\\): 7 workers × chunks of 18, 268 ms, ${speedup}×`),
  );
  // Without a measured plain loop, the chart says what the speedups are relative to.
  const bare = renderReport({ optimization: optimization(), measured: measured.points });
  assert.match(bare, /speedup against the predicted plain loop/);
  assert.match(
    renderReport({
      optimization: optimization(),
      measured: [{ workers: 3, chunkSize: 4, speedup: 2.5 }],
    }),
    /2\.50×/,
  );
});

test("the breakdown is a stacked bar of the predicted parts, next to the plain loop", () => {
  const opt = optimization();
  const b = opt.profile.breakdown!;
  const svg = svgs(renderReport({ optimization: opt })).get("amorsize-breakdown")!;
  const row = /<g class="bar" data-row="chosen">([\s\S]*?)<\/g>/.exec(svg)![1];
  const parts = [
    ...row.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*data-part="(\w+)"/g),
  ];
  assert.deepEqual(parts.map((p) => p[3]), ["start", "dispatch", "compute", "imbalance"]);
  // Segments abut, in time order.
  for (let i = 1; i < parts.length; i++) {
    assert.ok(Math.abs(+parts[i][1] - (+parts[i - 1][1] + +parts[i - 1][2])) < 0.02);
  }
  const plain = /data-row="plain loop">[\s\S]*?width="([\d.]+)"/.exec(svg)!;
  const total = parts.reduce((s, p) => s + +p[2], 0);
  const ratio = total / +plain[1];
  assert.ok(Math.abs(ratio - b.totalMs / opt.predictedMs.serial) < 0.001, `ratio ${ratio}`);
  for (const text of ["worker start 104 ms", "compute ÷ workers 145 ms", "clone (main thread)"]) {
    assert.ok(svg.includes(text), text);
  }
  assert.match(svg, /Predicted wall time \(ms\)/);
});

test("the system facts are listed with their sources", () => {
  const html = renderReport({ optimization: optimization() });
  assert.match(html, /<th scope="row">effective cores<\/th><td class="num">8<\/td>/);
  assert.match(
    html,
    new RegExp(
      `<th scope="row">CPU quota</th><td class="num">8 cores</td>` +
        `<td><code>/<wbr>sys/<wbr>fs/<wbr>cgroup/<wbr>cpu\\.max</code>`,
    ),
  );
  assert.match(html, /<th scope="row">memory limit<\/th><td class="num">8\.0 GiB<\/td>/);
});

test("the suite history marks failed runs and drops beyond the tolerance as regressions", () => {
  const html = renderReport({ suiteHistory: history() });
  const svg = svgs(html).get("amorsize-history")!;
  const marks = [...svg.matchAll(/class="regression" data-workload="(\w+)" data-run="(\d+)"/g)]
    .map((m) => `${m[1]}@${m[2]}`);
  assert.deepEqual(marks, ["fast_function@4", "variable_time@5"]);
  assert.equal(svg.match(/<polyline[^>]*class="history"/g)?.length, 5);
  assert.match(html, /failed its checks; 48% below the previous run/);
  assert.match(html, /2 regression\(s\)/);
  assert.match(svg, />2025-03-10</); // dates as given; the time is dropped (one run a day)
  // A looser tolerance keeps the failed run only.
  assert.equal(
    renderReport({ suiteHistory: history(), regressionTolerance: 0.5 }).match(/class="regression"/g)
      ?.length,
    1,
  );
  // A run without a speedup breaks the line instead of plotting 0.
  const runs = history();
  runs[2].results[0].actualSpeedup = null;
  const broken = svgs(renderReport({ suiteHistory: runs })).get("amorsize-history")!;
  assert.equal(broken.match(/<polyline[^>]*class="history"/g)?.length, 6);
});

test("the same input gives the same page, with no date unless one is given", () => {
  const a = renderReport({ optimization: optimization(), measured: measured.points });
  assert.equal(a, renderReport({ optimization: optimization(), measured: measured.points }));
  assert.doesNotMatch(a, /\b20\d\d-\d\d-\d\d\b/);
  assert.match(
    renderReport({ ...full(), generatedAt: "2025-03-15 nightly" }),
    /2025-03-15 nightly/,
  );
});

test("text from the input is escaped", () => {
  const runs: SuiteHistoryRun[] = [{
    date: "<b>today</b>",
    results: [{ workload: `<script>alert("x")</script>`, actualSpeedup: 2, passed: true }],
  }];
  const html = renderReport({ title: "a & b <i>", suiteHistory: runs });
  assert.doesNotMatch(html, /<script|<b>|<i>/);
  assert.match(html, /<title>a &#38; b &#60;i&#62;<\/title>/);
  assert.match(html, /&#60;script&#62;alert\(&#34;x&#34;\)&#60;\/script&#62;/);
});

test("a refused, an async and an unmodelled decision each render", () => {
  const refused = { ...optimization(), executor: "inline" as const, workers: 1, chunkSize: 2000 };
  const r = renderReport({ optimization: refused });
  assert.match(r, /chosen: the plain loop \(1×\)/);
  assert.match(r, /data-row="best workers"/);
  const async = {
    ...optimization(),
    executor: "async" as const,
    concurrency: 16,
    predictedSpeedup: 4.5,
  };
  assert.match(renderReport({ optimization: async }), /chosen: async, 16 calls in flight → 4\.50×/);
  // An early inline answer: NaN times (null in JSON), no alternatives, no breakdown.
  const early = JSON.parse(JSON.stringify({
    executor: "inline",
    workers: 1,
    chunkSize: 3,
    predictedSpeedup: 1,
    predictedMs: { serial: NaN, chosen: NaN },
    reason: "Inline: the data is empty",
    profile: { alternatives: [] },
  }));
  const e = renderReport({ optimization: early });
  assert.match(e, /No worker configuration was predicted/);
  assert.match(e, /No breakdown/);
  assert.doesNotMatch(e, /<svg/);
});

test("one worker count and one suite run still draw", () => {
  const alt = (chunkSize: number, predictedMs: number) => ({
    executor: "workers" as const,
    workers: 1,
    chunkSize,
    concurrency: 1,
    predictedMs,
  });
  const oneCore: ReportOptimization = {
    executor: "inline",
    workers: 1,
    chunkSize: 100,
    predictedSpeedup: 1,
    predictedMs: { serial: 50, chosen: 50 },
    reason: "Inline: one worker cannot beat the plain loop",
    profile: { alternatives: [alt(1, 80), alt(4, 60), alt(100, 55)] },
  };
  const html = renderReport({ optimization: oneCore, suiteHistory: [history()[0]] });
  const charts = svgs(html);
  // One worker count: the chunk size is the x-axis, one line for the one worker count.
  assert.equal(charts.get("amorsize-speedup"), undefined);
  const speedup = charts.get("amorsize-chunks")!;
  assert.equal(speedup.match(/<g class="series" data-workers=/g)?.length, 1);
  assert.equal(speedup.match(/<circle [^>]*r="3.5"/g)?.length, 3);
  assert.match(speedup, /chosen: the plain loop \(1×\)/);
  assert.doesNotMatch(speedup, /NaN|Infinity/);
  const hist = charts.get("amorsize-history")!;
  assert.equal(hist.match(/<circle [^>]*r="3.5"/g)?.length, 5); // a point per workload, no line
  assert.doesNotMatch(hist, /<polyline[^>]*class="history"|NaN/);
  assert.match(html, /One run: no regressions, which need a previous run to compare with\./);
});

test("few worker counts: the chunk size is the x-axis, one line per worker count", () => {
  const alt = (workers: number, chunkSize: number, predictedMs: number) => ({
    executor: "workers" as const,
    workers,
    chunkSize,
    concurrency: 1,
    predictedMs,
  });
  const twoCores: ReportOptimization = {
    executor: "workers",
    workers: 2,
    chunkSize: 16,
    predictedSpeedup: 100 / 55,
    predictedMs: { serial: 100, chosen: 55 },
    profile: {
      alternatives: [1, 4, 16, 64].flatMap((c) => [alt(1, c, 102 + c / 8), alt(2, c, 55 + c / 4)]),
    },
  };
  const html = renderReport({
    optimization: twoCores,
    measured: [{ workers: 2, chunkSize: 16, speedup: 1.7 }],
    subject: "tasks.ts#score, 2000 items, deno 2.9.6",
    generatedAt: "2026-01-02 03:04 UTC",
  });
  assert.match(html, /Predicted speedup by chunk size and workers/);
  const svg = svgs(html).get("amorsize-chunks")!;
  assert.equal(svgs(html).get("amorsize-speedup"), undefined);
  assert.deepEqual(
    [...svg.matchAll(/<polyline[^>]*data-workers="(\d+)"/g)].map((m) => m[1]),
    ["1", "2"],
  );
  assert.match(svg, /Chunk size \(items per message, log scale\)/);
  for (const c of [1, 4, 16, 64]) assert.match(svg, new RegExp(`>${c}</text>`));
  assert.match(svg, /chosen: 2 workers × 16 → 1\.82×/);
  assert.match(svg, /class="measured"/);
  assert.doesNotMatch(svg, /NaN|Infinity/);
  assert.match(
    html,
    /<span class="sub">tasks\.ts#score, 2000 items, deno 2\.9\.6 · 2026-01-02 03:04 UTC<\/span>/,
  );
  // Many worker counts keep the worker-count chart.
  const eight = {
    ...twoCores,
    profile: { alternatives: [1, 2, 3, 4, 5, 6, 7, 8].map((w) => alt(w, 16, 100 / w + 5)) },
  };
  assert.ok(svgs(renderReport({ optimization: eight })).has("amorsize-speedup"));
});

test("a measured point against a plain loop that was not predicted has no speedup, as JSON too", () => {
  // An answer without a predicted plain loop (inline: every item ran while deciding) has NaN,
  // which its JSON copy carries as null: both render the point's speedup as n/a, not 0.00×.
  const opt = optimization();
  (opt.predictedMs as { serial: number }).serial = NaN;
  const points = [{ workers: 2, chunkSize: 300, measuredMs: 200, label: "test" }];
  const html = renderReport({ optimization: opt, measured: points });
  const copy = JSON.parse(JSON.stringify(opt));
  assert.equal(renderReport({ optimization: copy, measured: points }), html);
  assert.doesNotMatch(html, /0\.00×/);
});
