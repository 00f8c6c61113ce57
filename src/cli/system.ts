// `amorsize system`: placeholder until the host probe lands.
import type { Command } from "./_command.ts";

export const command: Command = {
  summary: "print what this machine and process can use (cores, quota, memory)",
  help: "Usage: amorsize system [--json]",
  run() {
    return Promise.resolve(0);
  },
};
