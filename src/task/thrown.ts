/**
 * What a task throws, as an `Error`: tasks may throw anything (`throw "x"`, `throw null`, an object
 * without a prototype, a value whose `toString` throws). Turning such a value into a message must
 * never throw itself, or the failure would be lost (an unhandled rejection, holes in the results).
 *
 * @module
 */

/**
 * A one-line description of any thrown value that never throws: an Error's message, a string
 * as is, other values as JSON where possible, else their type.
 *
 * @param value What was thrown.
 * @returns A description, at most about 200 characters.
 *
 * @example Usage
 * ```ts
 * import { describeThrown } from "./thrown.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(describeThrown(Object.assign(Object.create(null), { code: 7 })), '{"code":7}');
 * assert.equal(describeThrown(undefined), "undefined");
 * ```
 */
export function describeThrown(value: unknown): string {
  try {
    if (isInstance(value, Error)) return String(value.message);
    if (typeof value === "string") return clip(value);
    if (value === undefined || typeof value === "symbol" || typeof value === "function") {
      return clip(String(value));
    }
    if (typeof value === "bigint") return `${value}n`;
    const json = JSON.stringify(value);
    if (json !== undefined) return clip(json);
  } catch { /* fall through to the type */ }
  try {
    return clip(Object.prototype.toString.call(value));
  } catch {
    return typeof value;
  }
}

/**
 * `value` if it is an Error, else an Error saying what was thrown (the value itself as `cause`).
 *
 * @param value What was thrown.
 * @returns An Error whose message describes `value`.
 *
 * @example Usage
 * ```ts
 * import { thrownError } from "./thrown.ts";
 * import assert from "node:assert/strict";
 *
 * const e = thrownError(42);
 * assert.equal(e.message, "A non-Error value was thrown: 42");
 * assert.equal(e.cause, 42);
 * // A readable Error stands in for one whose message is not a string.
 * const odd = Object.defineProperty(new Error("x"), "message", { value: Symbol("s") });
 * assert.match(thrownError(odd).message, /not a string: Symbol\(s\)/);
 * ```
 */
export function thrownError(value: unknown): Error {
  if (isInstance(value, Error)) {
    // An Error whose name or message cannot be read as a string (a getter that throws, a Symbol)
    // would throw wherever the failure is reported: a readable Error stands in for it.
    let message: unknown;
    try {
      message = value.message;
      if (typeof message === "string" && typeof value.name === "string") return value;
    } catch (e) {
      return new Error(
        `An Error was thrown whose message cannot be read (reading it threw: ${describeThrown(e)})`,
        { cause: value },
      );
    }
    return new Error(
      `An Error was thrown whose name or message is not a string: ${describeThrown(message)}`,
      { cause: value },
    );
  }
  return new Error(`A non-Error value was thrown: ${describeThrown(value)}`, { cause: value });
}

/**
 * `value instanceof type`, and false where asking throws: a revoked Proxy, or one whose
 * `getPrototypeOf` trap throws, can be thrown like any value.
 *
 * @param value What was thrown.
 * @param type The class to test for.
 * @returns Whether `value` is an instance of `type`.
 *
 * @example Usage
 * ```ts
 * import { isInstance } from "./thrown.ts";
 * import assert from "node:assert/strict";
 *
 * const { proxy, revoke } = Proxy.revocable({}, {});
 * revoke();
 * assert.equal(isInstance(proxy, Error), false);
 * assert.equal(isInstance(new TypeError("x"), Error), true);
 * ```
 */
export function isInstance<T>(
  value: unknown,
  type: abstract new (...args: never[]) => T,
): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

const clip = (s: string) => (s.length > 200 ? `${s.slice(0, 197)}...` : s);
