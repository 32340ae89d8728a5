// Shared by the cognipeer_*.mjs repros: the pinned SDK from bridges/cognipeer (run `npm ci` there
// first), a scripted model in the shape the SDK's README asks for, and a counting tool.
// Each repro runs the real SDK directly, with no harness and no wire: `node docs/findings/repro/<file>`.
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, "..", "..", "..", "bridges", "cognipeer", "node_modules", "@cognipeer", "agent-sdk",
  "dist", "index.mjs");
export const sdk = await import(pathToFileURL(entry).href);

// turns: each a string (final text) or a list of tool names (one call each); usage per turn.
export function scriptedModel(turns, { input = 10, output = 5, onCall } = {}) {
  const calls = [];
  return {
    calls,
    modelName: "scripted-model",
    bindTools() { return this; },
    async invoke(messages) {
      const n = calls.length;
      calls.push(messages.length);
      onCall?.(n);
      const turn = turns[Math.min(n, turns.length - 1)];
      const usage = { prompt_tokens: input, completion_tokens: output };
      if (typeof turn === "string") return { role: "assistant", content: turn, usage };
      return { role: "assistant", content: "",
        tool_calls: turn.map((name, i) => ({ id: `call-${n}-${i}`, name, args: { query: `q${n}.${i}` } })), usage };
    },
  };
}

export function countingTool(name = "lookup", onRun) {
  const runs = [];
  return {
    runs,
    tool: { name, description: "Look something up.", schema: { type: "object", properties: { query: { type: "string" } } },
      async invoke(args) { runs.push(args.query); onRun?.(args); return `${name}: ${args.query}`; } },
  };
}

export function show(label, value) {
  console.log(`${label.padEnd(28)} ${typeof value === "string" ? value : JSON.stringify(value)}`);
}
