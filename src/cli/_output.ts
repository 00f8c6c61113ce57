// The CLI's standard output. Node's and Bun's console drop a write's error: `execute … > out.json`
// on a full disk exited 0 with nothing written. Writes go through here: a failed one fails the
// command (see main.ts), and nothing more is written; a reader that stopped reading (`| head`,
// EPIPE) ends the output without failing it.
//
// A closed standard output (`amorsize execute … >&-`) cannot be told from `> /dev/null`: Deno (at
// its Rust start-up), Node and Bun open /dev/null on a closed descriptor 0, 1 or 2 before any
// script runs, so every write succeeds and the command exits 0. Only the descriptor's flags differ
// (opened read-write), and a Node parent's `stdio: "ignore"` opens /dev/null read-write too.
import process from "node:process";

let lost: Error | undefined;
let ended = false;
let watching = false;

function keep(e: unknown): void {
  ended = true;
  const code = (e as { code?: unknown } | null)?.code;
  const epipe = code === "EPIPE" || (e instanceof Error && /broken pipe/i.test(e.message));
  if (!epipe) lost ??= e instanceof Error ? e : new Error(String(e));
}

/** Write `text` and a newline to standard output. */
export function print(text: string): void {
  if (!watching) {
    watching = true;
    // A write that fails later (a pipe, a socket). Node pipes each worker thread's stdout into
    // this stream, an error listener each, past the limit of 10 without a word; this one more
    // listener then printed a MaxListenersExceededWarning after a run on 10 workers or more.
    const max = process.stdout.getMaxListeners();
    process.stdout.setMaxListeners(0);
    process.stdout.on("error", keep);
    process.stdout.setMaxListeners(max);
  }
  if (ended) return;
  try {
    process.stdout.write(`${text}\n`);
  } catch (e) {
    keep(e); // Deno writes at once, and throws
  }
}

/** Once the writes so far are done: the first that failed (not a closed reader), if any. */
export function outputError(): Promise<Error | undefined> {
  if (ended || !watching) return Promise.resolve(lost);
  return new Promise((done) => {
    // After the write's callback, one turn more: a failed write's error event comes after it.
    const finish = () => setTimeout(() => done(lost), 0);
    try {
      process.stdout.write("", (e) => {
        if (e) keep(e);
        finish();
      });
    } catch (e) {
      keep(e);
      finish();
    }
  });
}
