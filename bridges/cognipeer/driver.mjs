#!/usr/bin/env node
// The Cognipeer driver: @cognipeer/agent-sdk (pinned in package.json) spoken over the wire protocol
// (conformance/WIRE.md, version 1), so that `pytest --agent-impl=cognipeer` runs the suite on it.
//
//     cd bridges/cognipeer && npm ci          # once
//     pytest --agent-impl=cognipeer
//
// It uses the SDK the way its README's "Limits And Tokens" tells a user to, and never patches it:
// createSmartAgent({model, tools, limits, costEstimator, tokenCounter}) with
//   - a model object whose invoke(messages) sends a model_request and returns the scripted turn in
//     the SDK's shape ({role, content, tool_calls: [{id, name, args}], usage: {prompt_tokens, ...}}),
//     bindTools() returning itself, modelName the harness's model name;
//   - tools as plain {name, description, schema, invoke(args)} objects whose execution is a
//     tool_request;
//   - the limits the SDK has: maxToolCalls, maxParallelTools, maxTotalOutputTokens, maxCostUsd (with
//     a costEstimator answered by the harness), maxWallClockMs, maxContextTokens (with a
//     tokenCounter answered by the harness);
//   - onEvent forwarded as wire `event`s; the stop kind read from the `limitBreached` event and the
//     returned state.
//
// The SDK calls its costEstimator and its token counter synchronously (checkBudgetBreached adds the
// estimator's return value; countApproxTokens uses the counter's), so the driver reads its stdin
// synchronously (fs.readSync on fd 0, never process.stdin): a count or cost request blocks until
// its reply arrives, keeping any other message for later (WIRE.md allows this).
//
// Time: the SDK reads Date.now() (maxWallClockMs, timeoutMs) and the driver replaces Date.now and
// performance.now with the harness clock of the last message received: Date.now() is the wire's
// wall clock (that is what Date.now is in node), performance.now() its monotonic clock.

import fs from "node:fs";
import process from "node:process";
import { performance } from "node:perf_hooks";

const PROTOCOL = 1;
const SDK_VERSION = "0.9.2";

// -- the clock: the harness's, as of the last message it sent ------------------------------------
let now = { monotonic: 0, wall: 0 };
Date.now = () => now.wall * 1000;
performance.now = () => now.monotonic * 1000;

const { createSmartAgent } = await import("@cognipeer/agent-sdk");

// The limit kinds of SPEC.md the SDK has an option for (README, "Budget surfaces").
const LIMITS = ["max_output_tokens", "max_tool_calls", "max_parallel_tools", "max_cost_usd", "timeout_seconds",
  "max_context_tokens"];

// -- the wire, read synchronously ---------------------------------------------------------------
const out = (message) => fs.writeSync(1, JSON.stringify(message) + "\n");
let seq = 0;
let buffer = "";
const queued = []; // messages read while waiting for a count or cost reply
const chunk = Buffer.alloc(1 << 16);

function fatal(message) {
  out({ type: "fatal", message });
  process.stderr.write(`cognipeer-driver: ${message}\n`);
  process.exit(1);
}

// The next message from the harness, blocking until one arrives; exits when stdin closes.
function readMessage() {
  for (;;) {
    const newline = buffer.indexOf("\n");
    if (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!line.trim()) continue;
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        fatal(`the harness sent a line that is not JSON: ${line.slice(0, 200)}`);
      }
      if (typeof message.seq === "number") seq = message.seq;
      if (message.now) now = message.now;
      return message;
    }
    let n;
    try {
      n = fs.readSync(0, chunk, 0, chunk.length, null);
    } catch (error) {
      if (error.code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      throw error;
    }
    if (n === 0) process.exit(0);
    buffer += chunk.toString("utf8", 0, n);
  }
}

let ids = 0;
const pending = new Map(); // request id -> resolve

function request(type, agent, fields) {
  const id = `r${++ids}`;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    out({ type, id, agent, ...fields });
  });
}

// A request answered at once by the harness (count, cost), waited for synchronously.
function requestSync(type, agent, fields) {
  const id = `s${++ids}`;
  out({ type, id, agent, ...fields });
  for (;;) {
    const message = readMessage();
    if (message.id === id) return message;
    queued.push(message);
  }
}

// -- values ---------------------------------------------------------------------------------------
// A limit value as a JavaScript user would hold it: a number for ints and floats (2.0 becomes 2,
// as it must in JavaScript), NaN and the infinities as themselves, anything else as it came.
function jsValue(raw) {
  if (raw && typeof raw === "object" && "float" in raw) return Number(raw.float);
  if (raw && typeof raw === "object" && "repr" in raw) return raw.repr;
  return raw;
}

// -- messages between the SDK's shape and the wire's ----------------------------------------------
function textOf(content) {
  if (content === null || content === undefined) return null;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === "string" ? p : p?.text ?? "")).join("");
  return JSON.stringify(content);
}

function argsOf(tc) {
  if (tc.args !== undefined) return typeof tc.args === "string" ? safeParse(tc.args) : tc.args;
  const raw = tc.function?.arguments;
  return typeof raw === "string" ? safeParse(raw) : raw ?? {};
}

function safeParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return { _raw: text };
  }
}

function toWire(m) {
  const wire = { role: m.role, content: textOf(m.content) };
  const calls = m.tool_calls || m.additional_kwargs?.tool_calls;
  if (Array.isArray(calls) && calls.length) {
    wire.tool_calls = calls.map((tc) => ({ id: tc.id, name: tc.name ?? tc.function?.name, arguments: argsOf(tc) }));
  }
  if (m.tool_call_id !== undefined) wire.tool_call_id = m.tool_call_id;
  if (m.name !== undefined && m.role !== "tool") wire.name = m.name;
  return wire;
}

// -- one agent ------------------------------------------------------------------------------------
class Driven {
  constructor(build) {
    this.id = build.agent;
    this.modelName = build.model || "scripted-model";
    this.previous = []; // the JSON of each message of the previous model request
    this.events = [];
    const companions = build.companions || {};
    const raw = build.limits || {};
    const limits = {};
    const set = (kind, option, convert = (v) => v, unlimited = 0) => {
      if (!(kind in raw)) return;
      const value = jsValue(raw[kind]);
      limits[option] = value === null ? unlimited : convert(value);
    };
    set("max_tool_calls", "maxToolCalls", (v) => v, Infinity);
    set("max_parallel_tools", "maxParallelTools");
    set("max_output_tokens", "maxTotalOutputTokens");
    set("max_cost_usd", "maxCostUsd");
    set("timeout_seconds", "maxWallClockMs", (v) => (typeof v === "number" ? v * 1000 : v));
    set("max_context_tokens", "maxContextTokens");
    const agent = this;
    const model = {
      modelName: this.modelName,
      bindTools() {
        return this;
      },
      invoke: (messages) => agent.callModel(messages),
    };
    const tools = (build.tools || []).map((t) => ({
      name: t.name,
      description: t.description || "",
      schema: t.parameters || { type: "object", properties: {} },
      invoke: (args) => agent.runTool(t.name, args),
    }));
    const options = { name: `agent-${this.id}`, model, tools, limits };
    if (companions.cost_estimator) {
      options.costEstimator = (u) =>
        requestSync("cost_request", this.id, {
          model: u.modelName ?? this.modelName, input_tokens: u.inputTokens, output_tokens: u.outputTokens,
          cached_input_tokens: u.cachedInputTokens,
        }).usd;
    }
    if (companions.token_counter) {
      options.tokenCounter = (text) => requestSync("count_request", this.id, { texts: [text] }).tokens[0];
    }
    this.agent = createSmartAgent(options);
    this.history = [];
    this.toolCallIds = 0;
  }

  async callModel(messages) {
    const wire = messages.map(toWire);
    const json = wire.map((m) => JSON.stringify(m));
    let base = 0;
    while (base < json.length && base < this.previous.length && json[base] === this.previous[base]) base += 1;
    this.previous = json;
    const answer = await request("model_request", this.id, { base, messages: wire.slice(base) });
    if (answer.error) {
      const error = new Error(answer.error.message || answer.error.type);
      error.name = answer.error.type || "Error";
      throw error;
    }
    const reply = answer.reply;
    const u = reply.usage || {};
    const message = {
      role: "assistant",
      content: reply.text ?? "",
      usage: {
        prompt_tokens: u.input_tokens ?? 0, completion_tokens: u.output_tokens ?? 0,
        prompt_tokens_details: { cached_tokens: u.cached_input_tokens ?? 0 },
      },
    };
    if (reply.tool_calls && reply.tool_calls.length) {
      message.tool_calls = reply.tool_calls.map((c) => ({ id: c.id, name: c.name, args: c.arguments }));
    }
    return message;
  }

  async runTool(name, args) {
    const id = `driver-call-${++this.toolCallIds}`;
    const answer = await request("tool_request", this.id, { call: { id, name, arguments: args ?? {} } });
    if (answer.error) {
      const error = new Error(answer.error.message || answer.error.kind);
      error.name = answer.error.kind || "Error";
      throw error;
    }
    return typeof answer.output === "string" ? answer.output : JSON.stringify(answer.output);
  }

  async invoke(prompt) {
    let breach = null;
    const onEvent = (event) => {
      if (event && event.limitBreached) breach = String(event.limitBreached);
      let data;
      try {
        data = JSON.parse(JSON.stringify(event));
      } catch {
        data = { type: event?.type };
      }
      out({ type: "event", agent: this.id, name: event?.type || "event", data });
    };
    const asked = { role: "user", content: prompt };
    const input = [...this.history, asked];
    const res = await this.agent.invoke({ messages: input }, { onEvent });
    this.history = res.messages;
    // This invocation's transcript starts at its prompt. Not at input.length - 1: the smart
    // agent's context policy may drop old turns from the history it returns (seen after ~17
    // messages with the default "balanced" profile), so res.messages need not extend the input.
    let start = res.messages.lastIndexOf(asked);
    if (start < 0) start = res.messages.findLastIndex((m) => m.role === "user" && m.content === prompt);
    if (start < 0) start = Math.min(input.length - 1, res.messages.length);
    const ctx = res.state?.ctx || {};
    let stop = "end_turn";
    if (breach) {
      if (breach.startsWith("maxWallClockMs")) stop = "timeout";
      else if (breach.startsWith("maxTotalOutputTokens")) stop = "max_output_tokens";
      else if (breach.startsWith("maxCostUsd")) stop = "max_cost_usd";
    } else if (ctx.__cancelled?.reason === "timeout") stop = "timeout";
    else if (ctx.__finalizedDueToToolLimit) stop = "max_tool_calls";
    let input_tokens = 0;
    let output_tokens = 0;
    for (const r of res.state?.usage?.perRequest || []) {
      input_tokens += Number(r.usage?.prompt_tokens) || 0;
      output_tokens += Number(r.usage?.completion_tokens) || 0;
    }
    return {
      stop_reason: stop,
      messages: res.messages.slice(start).map(toWire),
      // result.content is always a string; "" is how the SDK says "no text" (a tool-call-only or
      // missing final assistant message), which the native protocol says as null.
      text: res.content ? res.content : null,
      usage: { input_tokens, output_tokens },
    };
  }
}

function errorOf(error) {
  return { kind: error && error.name ? error.name : "Error", message: String(error && error.message ? error.message : error) };
}

// -- the loop -------------------------------------------------------------------------------------
const agents = new Map();

function receive(message) {
  switch (message.type) {
    case "build":
      try {
        agents.set(message.agent, new Driven(message));
        out({ type: "built", agent: message.agent });
      } catch (error) {
        out({ type: "built", agent: message.agent, error: errorOf(error) });
      }
      return;
    case "invoke": {
      const driven = agents.get(message.agent);
      if (!driven) return fatal(`invoke for agent ${message.agent}, which was never built`);
      driven.invoke(message.prompt).then(
        (result) => out({ type: "result", agent: message.agent, ...result }),
        (error) => out({ type: "result", agent: message.agent, error: errorOf(error) }),
      );
      return;
    }
    case "model_reply":
    case "tool_result":
    case "count_reply":
    case "cost_reply": {
      const resolve = pending.get(message.id);
      if (!resolve) return fatal(`a ${message.type} for request ${JSON.stringify(message.id)}, which is not pending`);
      pending.delete(message.id);
      return resolve(message);
    }
    default:
      return fatal(`unknown message type ${JSON.stringify(message.type)}`);
  }
}

// Handle one message, let every promise it settled run (setImmediate runs after them), then say
// idle and block for the next one. The SDK sets no timers on this path, so none is starved.
function pump() {
  if (!queued.length && seq > 0) out({ type: "idle", seq });
  const message = queued.length ? queued.shift() : readMessage();
  receive(message);
  setImmediate(pump);
}

out({
  type: "hello", protocol: PROTOCOL, agent: { name: "cognipeer", version: `agent-sdk ${SDK_VERSION}` },
  limits: LIMITS, paths: ["async"],
});
setImmediate(pump);
