// VALID-1, VALID-2, COST-2, PROP-2: the SDK validates no limit (0, negative, NaN, strings all go
// through; "0" and NaN mean "off"), ignores maxCostUsd without a costEstimator, and its "balanced"
// preset caps tool calls at 20 when maxToolCalls is not set.
import { sdk, scriptedModel, countingTool, show } from "./cognipeer_sdk.mjs";

const cases = [["maxTotalOutputTokens: 0", { maxTotalOutputTokens: 0 }], ["maxTotalOutputTokens: -1", { maxTotalOutputTokens: -1 }],
  ["maxToolCalls: 2.5", { maxToolCalls: 2.5 }], ["maxCostUsd: NaN", { maxCostUsd: NaN }],
  ["maxWallClockMs: 'soon'", { maxWallClockMs: "soon" }], ["maxCostUsd: 1, no costEstimator", { maxCostUsd: 1 }]];
for (const [label, limits] of cases) {
  let outcome;
  try {
    const agent = sdk.createSmartAgent({ model: scriptedModel(["done"]), tools: [countingTool().tool], limits });
    const res = await agent.invoke({ messages: [{ role: "user", content: "Go." }] });
    outcome = `accepted, answered ${JSON.stringify(res.content)}`;
  } catch (error) {
    outcome = `rejected: ${error.message}`;
  }
  show(label, outcome);
}
const model = scriptedModel([["lookup"]]);
const { tool, runs } = countingTool();
await sdk.createSmartAgent({ model, tools: [tool] }).invoke({ messages: [{ role: "user", content: "Go." }] });
show("no maxToolCalls: executions", `${runs.length} (then a tool-limit notice)`);
