// The validate command's verdict: it compares the accuracy as printed (one decimal), so the text
// never reads "accuracy 50 % (FAIL: >= 50 %)".
import { test } from "node:test";
import assert from "node:assert/strict";
import { accuracyPasses, formatValidation } from "../src/cli/validate.ts";
import { validateOptimization } from "../src/validate/validate_optimization.ts";

test("validate: the verdict and the exit code follow the accuracy as printed", async () => {
  const v = await validateOptimization((x: number) => x + 1, [1, 2, 3], { repeats: 1 });
  const line = (accuracy: number) =>
    formatValidation({ ...v, accuracy }).split("\n").find((l) => l.startsWith("accuracy"));
  assert.equal(line(0.4996), "accuracy  50.0 % (pass: >= 50.0 %)");
  assert.equal(line(0.4994), "accuracy  49.9 % (FAIL: >= 50.0 %)");
  assert.equal(line(0.8), "accuracy  80.0 % (pass: >= 50.0 %)");
  assert.equal(accuracyPasses(0.4996), true);
  assert.equal(accuracyPasses(0.4994), false);
});
