// OUTPUT-1 (and ISOLATION-1, RESET-1, PARTIAL-1, KIND-1/2, PROP-1 through it): maxTotalOutputTokens
// is checked with ">" ("exceeded"), so a run whose output tokens already equal the budget makes one
// more model call. SPEC: stop once output tokens so far are >= O.
import { sdk, scriptedModel, countingTool, show } from "./cognipeer_sdk.mjs";

const model = scriptedModel([["lookup"]], { output: 5 });
const { tool, runs } = countingTool();
const events = [];
const agent = sdk.createSmartAgent({ model, tools: [tool], limits: { maxTotalOutputTokens: 15, maxToolCalls: 100 } });
const res = await agent.invoke({ messages: [{ role: "user", content: "Go." }] }, { onEvent: (e) => e.limitBreached && events.push(e.limitBreached) });
show("limits", { maxTotalOutputTokens: 15 });
show("script", "every turn: one lookup call, 5 output tokens");
show("expected model calls", 3);
show("observed model calls", model.calls.length);
show("tool executions", runs.length);
show("limitBreached", events);
