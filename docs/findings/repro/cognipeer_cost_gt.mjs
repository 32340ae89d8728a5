// COST-1: maxCostUsd is checked with ">" on the sum of costEstimator over the calls so far, so a
// run whose cost already equals the cap makes one more model call. SPEC: stop once cost >= cap.
import { sdk, scriptedModel, countingTool, show } from "./cognipeer_sdk.mjs";

const model = scriptedModel([["lookup"]], { input: 10, output: 5 });
const { tool } = countingTool();
const costEstimator = ({ inputTokens, outputTokens }) => (inputTokens + 2 * outputTokens) / 256; // 20/256 a call
const agent = sdk.createSmartAgent({ model, tools: [tool], costEstimator, limits: { maxCostUsd: 60 / 256, maxToolCalls: 100 } });
const events = [];
await agent.invoke({ messages: [{ role: "user", content: "Go." }] }, { onEvent: (e) => e.limitBreached && events.push(e.limitBreached) });
show("limits", { maxCostUsd: 60 / 256 });
show("script", "every turn: one lookup call costing exactly 20/256 USD");
show("expected model calls", 3);
show("observed model calls", model.calls.length);
show("limitBreached", events);
