// TIMEOUT-1/2/3: maxWallClockMs is checked only at the top of each loop iteration (before the model
// call), with ">", on Date.now(): a tool batch starts after the deadline, and a wall-clock step moves
// the deadline. The clock here is faked the way the wire driver fakes it (Date.now from a variable).
import { sdk, scriptedModel, countingTool, show } from "./cognipeer_sdk.mjs";

let wall = 1_000_000;
Date.now = () => wall;
// Each model call takes 400 s; no tool may start at or after 1000 s.
const model = scriptedModel([["lookup"]], { onCall: () => { wall += 400_000; } });
const { tool, runs } = countingTool();
const agent = sdk.createSmartAgent({ model, tools: [tool], limits: { maxWallClockMs: 1_000_000, maxToolCalls: 100 } });
await agent.invoke({ messages: [{ role: "user", content: "Go." }] });
show("limits", { maxWallClockMs: 1_000_000 });
show("script", "every turn: one lookup call, 400 s each");
show("model calls (starts 0,400,800 s)", model.calls.length);
show("tool executions", runs.length);
show("expected executions", "2 (the 3rd model call ends at 1200 s, past the deadline)");

wall = 1_000_000;
const model2 = scriptedModel([["lookup"]], { onCall: () => { wall += 300_000; } });
let stepped2 = false;
const { tool: tool2 } = countingTool("lookup", () => { if (!stepped2) { stepped2 = true; wall += 7_200_000; } });
const agent2 = sdk.createSmartAgent({ model: model2, tools: [tool2], limits: { maxWallClockMs: 1_000_000, maxToolCalls: 100 } });
await agent2.invoke({ messages: [{ role: "user", content: "Go." }] });
show("wall +2h in the 1st tool: calls", `${model2.calls.length} (a monotonic deadline allows 4)`);
