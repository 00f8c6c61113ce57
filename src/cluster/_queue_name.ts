// The queue name option, shared by workers and callers.

/** A non-empty string without ":" (BullMQ refuses it), default `"amorsize"`; TypeError otherwise. */
export function queueName(queue: unknown): string {
  if (queue === undefined) return "amorsize";
  if (typeof queue !== "string" || queue === "" || queue.includes(":")) {
    throw new TypeError(
      `'queue' must be a non-empty string without ":", got ${JSON.stringify(queue)}`,
    );
  }
  return queue;
}
