// TOOLS-1, TOOLS-2: at maxToolCalls the SDK answers the refused calls of that reply ("Skipped tool due
// to tool-call limit") but keeps calling the model; when the model asks for tools again it appends a
// "[System Notice] Tool-call limit reached" user message without answering those calls, calls the
// model once more, and ends with tool calls left dangling. A refusal whose next reply is plain text
// ends "completed" with no sign of the cap.
import { sdk, scriptedModel, countingTool, show } from "./cognipeer_sdk.mjs";

const model = scriptedModel([["lookup", "lookup"]]);
const { tool, runs } = countingTool();
const agent = sdk.createSmartAgent({ model, tools: [tool], limits: { maxToolCalls: 1 } });
const res = await agent.invoke({ messages: [{ role: "user", content: "Go." }] });
const asked = res.messages.flatMap((m) => (m.tool_calls || []).map((c) => c.id));
const answered = new Set(res.messages.filter((m) => m.role === "tool").map((m) => m.tool_call_id));
show("limits", { maxToolCalls: 1 });
show("script", "every turn: two lookup calls");
show("expected model calls", 1);
show("observed model calls", model.calls.length);
show("tool executions", runs.length);
show("dangling tool calls", asked.filter((id) => !answered.has(id)));
show("finalizedDueToToolLimit", !!res.state?.ctx?.__finalizedDueToToolLimit);

const model2 = scriptedModel([["lookup", "lookup"], "done"]);
const agent2 = sdk.createSmartAgent({ model: model2, tools: [countingTool().tool], limits: { maxToolCalls: 1 } });
const res2 = await agent2.invoke({ messages: [{ role: "user", content: "Go." }] });
show("refusal, then text: calls", model2.calls.length);
show("refusal, then text: signal", { content: res2.content, finalizedDueToToolLimit: !!res2.state?.ctx?.__finalizedDueToToolLimit });
