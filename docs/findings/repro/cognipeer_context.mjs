// CONTEXT-1, CONTEXT-2: maxContextTokens does not bound what is sent (it feeds the summarizer's
// trigger), and tokenCounter is installed module-wide (setTokenCounter) for the time of an invoke:
// two agents invoked together count with whichever counter was set last.
import { sdk, scriptedModel, countingTool, show } from "./cognipeer_sdk.mjs";

const sizes = [];
const counter = (text) => (text || "").split(/\s+/).filter(Boolean).length;
const base = scriptedModel([["lookup"], ["lookup"], ["lookup"], "done"]);
const model = { ...base, bindTools() { return this; },
  async invoke(messages) { sizes.push(messages.reduce((n, m) => n + counter(typeof m.content === "string" ? m.content : ""), 0)); return base.invoke(messages); } };
const agent = sdk.createSmartAgent({ model, tools: [countingTool().tool], tokenCounter: counter, limits: { maxContextTokens: 30, maxToolCalls: 100 } });
await agent.invoke({ messages: [{ role: "user", content: "Go." }] });
show("limits", { maxContextTokens: 30 });
show("request sizes (words)", sizes);

const seen = { alpha: [], bravo: [] };
const mk = (name) => sdk.createSmartAgent({ model: scriptedModel([["lookup"], "done"]), tools: [countingTool().tool],
  tokenCounter: (t) => { seen[name].push(String(t)); return 1; }, limits: { maxContextTokens: 40, maxToolCalls: 100 } });
const [a, b] = [mk("alpha"), mk("bravo")];
await Promise.all([a.invoke({ messages: [{ role: "user", content: "alpha tok tok" }] }),
  b.invoke({ messages: [{ role: "user", content: "bravo tok tok" }] })]);
show("texts counted by alpha/bravo", [seen.alpha.length, seen.bravo.length]);
show("alpha's counter saw bravo", seen.alpha.filter((t) => t.includes("bravo")).length);
show("bravo's counter saw alpha", seen.bravo.filter((t) => t.includes("alpha")).length);

// Under a small maxContextTokens the smart agent summarizes by calling the same model with its own
// prompt ("Summarize the conversation into strict JSON..."): a scripted turn spent on a request the
// user never made, and the tool exchange of call 1 is gone from the next request.
const plain = scriptedModel([["lookup"], ["lookup"], ["lookup"], "done", "extra"]);
const log = [];
const logged = { ...plain, bindTools() { return this; },
  async invoke(messages) { const last = messages[messages.length - 1]; log.push(`${messages.length} msgs, last ${last.role}: ${String(last.content).slice(0, 48)}`); return plain.invoke(messages); } };
const small = sdk.createSmartAgent({ model: logged, tools: [countingTool().tool], tokenCounter: (t) => String(t).split(/\s+/).length,
  limits: { maxContextTokens: 40, maxToolCalls: 100 } });
const answer = await small.invoke({ messages: [{ role: "user", content: "Go." }] });
show("maxContextTokens: 40, calls", log);
show("answer", answer.content);
