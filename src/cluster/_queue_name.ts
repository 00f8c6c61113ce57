// The queue name option, shared by workers and callers.
import { nonEmptyString, wrongType } from "../args.ts";

/**
 * A non-empty string without ":" (BullMQ refuses it), default `"amorsize"`: a TypeError for
 * another type or a ":", a RangeError for an empty string, naming the option as `name`.
 */
export function queueName(name: string, queue: unknown): string {
  if (queue === undefined) return "amorsize";
  const what = 'a non-empty string without ":"';
  if (typeof queue !== "string") wrongType(name, what, queue);
  nonEmptyString(name, queue);
  if (queue.includes(":")) wrongType(name, what, queue);
  return queue;
}
