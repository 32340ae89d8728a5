// TOOLS-3: a call naming a tool that does not exist is answered "Tool not found" and still counts
// towards maxToolCalls (toolCount += 1), so it uses up the cap without executing anything.
import { sdk, scriptedModel, countingTool, show } from "./cognipeer_sdk.mjs";

const model = scriptedModel([["no_such_tool", "lookup"]]);
const { tool, runs } = countingTool();
const agent = sdk.createSmartAgent({ model, tools: [tool], limits: { maxToolCalls: 2 } });
await agent.invoke({ messages: [{ role: "user", content: "Go." }] });
show("limits", { maxToolCalls: 2 });
show("script", "every turn: no_such_tool, lookup");
show("expected executions", 2);
show("observed executions", runs.length);
