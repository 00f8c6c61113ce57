// The report in a real browser: headless Chromium renders it (screenshot at 1280 × 800) and
// serialises its DOM; the charts must be there, and the page must log nothing to the console.
// Skipped, with a message, where Chromium is not installed (CI installs it: .ci/extra_chromium.sh).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { inflateSync } from "node:zlib";
import { renderReport } from "../mod.ts";
import { PARTS } from "../src/report/_palette.ts";
import { fixturePath } from "./_helpers.ts";

function findChromium(): string | undefined {
  const names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  const candidates = [process.env.CHROMIUM ?? "", ...names.map((n) => `/usr/bin/${n}`)];
  for (const dir of dirs) for (const n of names) candidates.push(join(dir, n));
  return candidates.find((c) => c !== "" && existsSync(c));
}

const chromium = findChromium();
const skip = chromium ? false : "Chromium not found (install the Debian package chromium, or set " +
  "CHROMIUM to a Chrome/Chromium binary): the browser check of the report did not run";
if (skip) console.warn(`report_browser_test: ${skip}`);

/** Run headless Chromium on `url` with `extra` flags and a fresh profile. */
function browse(url: string, extra: string[]) {
  const profile = mkdtempSync(join(tmpdir(), "amorsize-chromium-"));
  const res = spawnSync(chromium!, [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    `--user-data-dir=${profile}`,
    "--enable-logging=stderr",
    "--v=0",
    ...extra,
    url,
  ], { encoding: "utf8", timeout: 90_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: res.status, stdout: res.stdout ?? "", stderr: res.stderr ?? "" };
}

/** Console messages in Chromium's log (`…:CONSOLE:12] "message", source: …`). */
function consoleLines(log: string): string[] {
  return log.split("\n").filter((l) => /:CONSOLE(?::\d+|\(\d+\))\]/.test(l));
}

/** Decode an 8-bit RGB or RGBA PNG: width, height and a pixel reader (`#rrggbb`). */
function decodePng(png: Uint8Array) {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const [depth, type] = [png[24], png[25]];
  assert.ok(depth === 8 && (type === 2 || type === 6), `PNG depth ${depth}, colour type ${type}`);
  const chunks: Uint8Array[] = [];
  for (let at = 8; at < png.length;) {
    const len = view.getUint32(at);
    const kind = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (kind === "IDAT") chunks.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const bpp = type === 6 ? 4 : 3;
  const stride = width * bpp;
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= bpp ? px[y * stride + x - bpp] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? px[(y - 1) * stride + x - bpp] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
        ? a
        : Math.abs(p - b) <= Math.abs(p - c)
        ? b
        : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter];
      px[y * stride + x] = (v + pred) & 255;
    }
  }
  const hex = (i: number) =>
    "#" + [0, 1, 2].map((k) => px[i + k].toString(16).padStart(2, "0")).join("");
  return { width, height, pixel: (x: number, y: number) => hex((y * width + x) * bpp) };
}

test("consoleLines finds Chromium's console messages", () => {
  const log = [
    `[1:1:1126/172713.2:WARNING:ui/base/idle/idle_linux.cc:111] None of the known D-Bus …`,
    `[1:1:1126/172714.6:INFO:CONSOLE:1] "Uncaught ReferenceError: f is not defined", source: x (1)`,
    `[1:1:1126/172714.6:INFO:CONSOLE(0)] "Refused to load the image", source: x (0)`,
  ].join("\n");
  assert.equal(consoleLines(log).length, 2);
});

test("Chromium renders the report: charts in the DOM, no console message, pixels on screen", {
  skip,
}, () => {
  const json = (name: string) => JSON.parse(readFileSync(fixturePath(`report/${name}`), "utf8"));
  const measured = json("measured.json");
  const dir = mkdtempSync(join(tmpdir(), "amorsize-report-browser-"));
  const page = join(dir, "report.html");
  writeFileSync(
    page,
    renderReport({
      optimization: json("optimization_8_cores.json"),
      measured: measured.points,
      measuredSerialMs: measured.measuredSerialMs,
      suiteHistory: json("suite_history.json"),
      generatedAt: "2025-03-15",
    }),
  );
  const url = pathToFileURL(page).href;
  const png = join(dir, "report.png");
  const shot = browse(url, [`--screenshot=${png}`, "--window-size=1280,800", "--hide-scrollbars"]);
  assert.equal(shot.code, 0, shot.stderr);
  const dom = browse(url, ["--dump-dom"]);
  assert.equal(dom.code, 0, dom.stderr);
  assert.deepEqual([...consoleLines(shot.stderr), ...consoleLines(dom.stderr)], []);

  // The DOM as Chromium parsed it: three accessible SVGs with their marks.
  const svgs = dom.stdout.match(/<svg [^>]*>/g) ?? [];
  assert.equal(svgs.length, 3, dom.stdout.slice(0, 2000));
  for (const svg of svgs) {
    const id = /id="([^"]+)"/.exec(svg)![1];
    assert.match(svg, /role="img"/);
    assert.match(svg, new RegExp(`aria-labelledby="${id}-title ${id}-desc"`));
    assert.match(
      dom.stdout,
      new RegExp(`<title id="${id}-title">[^<]+</title><desc id="${id}-desc">`),
    );
  }
  assert.equal(dom.stdout.match(/<g class="series" data-chunk=/g)?.length, 5); // coloured sizes
  // Their curves: the chosen chunk size (18) was only considered for 7 workers, so it is one dot.
  assert.equal(dom.stdout.match(/<polyline [^>]*class="curve"/g)?.length, 4);
  assert.ok((dom.stdout.match(/<polyline [^>]*class="curve other"/g)?.length ?? 0) > 5);
  assert.equal(dom.stdout.match(/<rect [^>]*class="segment"/g)?.length, 7);
  assert.equal(dom.stdout.match(/<polyline [^>]*class="history"/g)?.length, 5);
  assert.equal(dom.stdout.match(/<g class="regression"/g)?.length, 2);
  assert.doesNotMatch(dom.stdout, /<script/i);

  // The screenshot: 1280 × 800, with the stacked bar's colours inside the first screen.
  const img = decodePng(readFileSync(png));
  assert.deepEqual([img.width, img.height], [1280, 800]);
  const seen = new Set<string>();
  for (let y = 0; y < img.height; y += 2) {
    for (let x = 0; x < img.width; x += 2) seen.add(img.pixel(x, y));
  }
  assert.ok(seen.size > 50, `only ${seen.size} colours on screen`);
  for (const colour of [PARTS.start, PARTS.compute, PARTS.plain]) {
    assert.ok(seen.has(colour), `${colour} (a bar segment) is not on screen`);
  }
});
