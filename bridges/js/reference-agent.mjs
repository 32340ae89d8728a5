#!/usr/bin/env node
// The JavaScript reference agent: every limit of conformance/SPEC.md's native protocol, spoken over
// the wire protocol (conformance/WIRE.md, version 1). No dependencies: node 18 or later.
//
//     pytest --agent-impl=js-reference
//     pytest --agent-cmd="node bridges/js/reference-agent.mjs"
//     pytest --agent-cmd="node bridges/js/reference-agent.mjs --mutant=output-budget-greater-than"
//
// It is conformance/reference.py's loop, step for step: check the limits before each model call,
// take a reply, admit each tool call (a known tool, under max_tool_calls), run the admitted ones
// (one by one, or at most max_parallel_tools at a time), answer every call, finish. The harness is
// the model, the tools and the clock: a model call is a model_request, a tool execution a
// tool_request, the token counter and the cost estimator are the harness's (count_request,
// cost_request), and the clock is the `now` of the last message the harness sent. Timeouts are
// cooperative: the deadline is checked before every model call and every tool execution.
//
// --mutant=NAME (or AGENT_LIMITS_JS_MUTANT=NAME) turns on one known bug (see MUTANTS), so that
// tests/test_wire.py can show the suite catches it through the wire as well.

import process from "node:process";

const PROTOCOL = 1;
const VERSION = "1.0.0";
const TRUNCATION_MARKER = " [truncated]";
const MAX_ATTEMPTS = 3; // attempts at one model request while the provider throttles it
const LIMITS = [
  "max_turns", "max_token_budget", "max_output_tokens", "max_tool_calls", "max_parallel_tools",
  "max_cost_usd", "timeout_seconds", "max_output_bytes", "max_context_tokens",
];
const AMOUNTS = new Set(["max_cost_usd", "timeout_seconds"]);
const COMPANIONS = new Set(["cost_estimator", "token_counter"]);

// One known bug each, and the clauses that must catch it (tests/test_wire.py reads this table).
export const MUTANTS = {
  "output-budget-greater-than": { clauses: ["OUTPUT-1"], bug: "the output-token budget is checked with > instead of >=" },
  "deadline-restarted-per-step": { clauses: ["TIMEOUT-2"], bug: "the deadline is pushed back after every tool batch" },
  "deadline-on-wall-clock": { clauses: ["TIMEOUT-3"], bug: "the deadline follows the wall clock, not the monotonic one" },
  "refusals-unanswered": { clauses: ["TOOLS-2"], bug: "a tool call refused at max_tool_calls gets no result" },
  "counters-kept-across-invocations": { clauses: ["RESET-1"], bug: "the turn and token counters are the agent's, not the invocation's" },
  "parallel-cap-off-by-one": { clauses: ["PAR-1"], bug: "max_parallel_tools + 1 executions run at once" },
  "counters-shared-between-agents": { clauses: ["ISOLATION-1"], bug: "one module-level counter serves every agent of the process" },
  "context-ceiling-exclusive": { clauses: ["CONTEXT-1"], bug: "a request of exactly max_context_tokens is refused (>= instead of >)" },
  "integral-floats-accepted": { clauses: ["VALID-2"], bug: "a float with an integral value (2.0) is accepted as a count" },
  "cut-splits-characters": { clauses: ["BYTES-1"], bug: "the output is cut at max_output_bytes without regard for UTF-8 characters" },
  "cost-without-cached-tokens": { clauses: ["COST-1"], bug: "the cost estimator is passed 0 cached input tokens" },
  "throttled-attempt-counted": { clauses: ["RETRY-1"], bug: "a throttled attempt that is retried counts as a turn" },
};

if (process.argv.includes("--list-mutants")) {
  process.stdout.write(JSON.stringify(MUTANTS) + "\n");
  process.exit(0);
}

function chosenMutant() {
  const arg = process.argv.slice(2).find((a) => a.startsWith("--mutant="));
  const name = arg ? arg.slice("--mutant=".length) : process.env.AGENT_LIMITS_JS_MUTANT || "";
  if (name && !(name in MUTANTS)) {
    process.stderr.write(`reference-agent: unknown mutant ${JSON.stringify(name)}; known: ${Object.keys(MUTANTS).join(", ")}\n`);
    process.exit(2);
  }
  return name;
}
const MUTANT = chosenMutant();
const FULL_REQUESTS = process.argv.includes("--full-requests");
const bug = (name) => MUTANT === name;

function chosenPaths() {
  const arg = process.argv.slice(2).find((a) => a.startsWith("--paths="));
  return arg ? arg.slice("--paths=".length).split(",") : ["async"];
}

// -- errors and values ---------------------------------------------------------------------------
class AgentError extends Error {
  // kind: the Python exception the harness raises for it (ValueError, TypeError, ModelThrottled, ...)
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

// A limit value as the wire carries it (WIRE.md, "Values"): ints, bools, strings and null as
// themselves, every float as {"float": x}, anything else as {"repr", "type"}.
function decode(raw) {
  if (raw === null || raw === undefined) return { type: "none" };
  if (typeof raw === "boolean") return { type: "bool", value: raw };
  if (typeof raw === "number") return { type: "int", value: raw };
  if (typeof raw === "string") return { type: "str", value: raw };
  if (typeof raw === "object" && "float" in raw) return { type: "float", value: Number(raw.float) };
  return { type: raw && raw.type ? String(raw.type) : "object", value: raw && raw.repr ? raw.repr : raw };
}

const show = (v) => `${v.type} ${typeof v.value === "string" ? JSON.stringify(v.value) : String(v.value)}`;

// None (unlimited) or a positive int; anything else is rejected before any model call.
function checkLimit(name, raw) {
  const v = decode(raw);
  if (v.type === "none") return null;
  const integral = v.type === "int" || (bug("integral-floats-accepted") && v.type === "float" && Number.isInteger(v.value));
  if (!integral) throw new AgentError("TypeError", `${name} must be a positive int or None, got ${show(v)}`);
  if (v.value < 1) throw new AgentError("ValueError", `${name} must be >= 1 (None means unlimited), got ${v.value}`);
  return v.value;
}

// None or a positive, finite number (seconds, dollars); bools, strings, NaN and infinity are rejected.
function checkAmount(name, raw) {
  const v = decode(raw);
  if (v.type === "none") return null;
  if (v.type !== "int" && v.type !== "float") throw new AgentError("TypeError", `${name} must be a positive number or None, got ${show(v)}`);
  if (!Number.isFinite(v.value) || v.value <= 0) {
    throw new AgentError("ValueError", `${name} must be a positive finite number (None means unlimited), got ${v.value}`);
  }
  return v.value;
}

const utf8 = new TextEncoder();
const byteLength = (text) => utf8.encode(text).length;

// `text` cut so that it, with the marker, is at most `cap` bytes, never in the middle of a character.
function truncateUtf8(text, cap, marker = TRUNCATION_MARKER) {
  const room = cap - byteLength(marker);
  if (room <= 0) return marker.slice(0, cap); // the marker is ASCII: a character is a byte
  const bytes = Buffer.from(text, "utf8");
  let end = room;
  if (!bug("cut-splits-characters")) {
    while (end > 0 && (bytes[end] & 0xc0) === 0x80) end -= 1; // bytes[end] continues a character: cut before it
  }
  return bytes.subarray(0, end).toString("utf8") + marker;
}

// Without a token_counter: about four characters a token (code points, as Python counts them).
const approximateTokens = (text) => Math.ceil([...text].length / 4);

// -- the wire --------------------------------------------------------------------------------------
class Wire {
  constructor() {
    this.agents = new Map();
    this.pending = new Map(); // request id -> resolve
    this.ids = 0;
    this.seq = 0; // the last message from the harness that was handled
    this.now = { monotonic: 0, wall: 0 };
    this.buffer = "";
    this.idleScheduled = false;
  }

  start() {
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk) => this.feed(chunk));
    process.stdin.on("end", () => process.exit(0));
    this.send({
      type: "hello", protocol: PROTOCOL, agent: { name: "js-reference", version: VERSION + (MUTANT ? `+${MUTANT}` : "") },
      limits: LIMITS, paths: chosenPaths(),
    });
  }

  send(message) {
    process.stdout.write(JSON.stringify(message) + "\n");
  }

  fatal(message) {
    this.send({ type: "fatal", message });
    process.stderr.write(`reference-agent: ${message}\n`);
    process.exit(1);
  }

  feed(chunk) {
    this.buffer += chunk;
    let newline;
    while ((newline = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      if (!line.trim()) continue;
      let message;
      try {
        message = JSON.parse(line);
      } catch (error) {
        this.fatal(`the harness sent a line that is not JSON: ${line.slice(0, 200)}`);
      }
      this.receive(message);
    }
    // Idle once everything this chunk set off has run: the promise chains it resolved run as
    // microtasks, all done before the check phase, where setImmediate callbacks run.
    if (!this.idleScheduled) {
      this.idleScheduled = true;
      setImmediate(() => {
        this.idleScheduled = false;
        this.send({ type: "idle", seq: this.seq });
      });
    }
  }

  receive(message) {
    if (typeof message.seq === "number") this.seq = message.seq;
    if (message.now) this.now = message.now;
    switch (message.type) {
      case "build":
        return this.build(message);
      case "invoke":
        return this.invoke(message);
      case "model_reply":
      case "tool_result":
      case "count_reply":
      case "cost_reply": {
        const resolve = this.pending.get(message.id);
        if (!resolve) return this.fatal(`a ${message.type} for request ${JSON.stringify(message.id)}, which is not pending`);
        this.pending.delete(message.id);
        return resolve(message);
      }
      default:
        return this.fatal(`unknown message type ${JSON.stringify(message.type)}`);
    }
  }

  request(type, agent, fields) {
    const id = `r${++this.ids}`;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send({ type, id, agent, ...fields });
    });
  }

  build(message) {
    try {
      this.agents.set(message.agent, new Agent(this, message));
      this.send({ type: "built", agent: message.agent });
    } catch (error) {
      this.send({ type: "built", agent: message.agent, error: errorOf(error) });
    }
  }

  async invoke(message) {
    const agent = this.agents.get(message.agent);
    if (!agent) return this.fatal(`invoke for agent ${message.agent}, which was never built`);
    let result;
    try {
      result = await agent.invoke(message.prompt);
    } catch (error) {
      result = { error: errorOf(error) };
    }
    this.send({ type: "result", agent: message.agent, ...result });
  }

  // The clock: the harness's, as of the last message it sent.
  monotonic() {
    return this.now.monotonic;
  }

  wall() {
    return this.now.wall;
  }
}

function errorOf(error) {
  if (error instanceof AgentError) return { kind: error.kind, message: error.message };
  return { kind: error && error.name ? error.name : "Error", message: String(error && error.message ? error.message : error) };
}

// -- the agent -------------------------------------------------------------------------------------
// What the mutant counters-shared-between-agents keeps at module level: one run for every agent.
let sharedRun = null;

class Agent {
  constructor(wire, message) {
    this.wire = wire;
    this.id = message.agent;
    const limits = message.limits || {};
    for (const name of Object.keys(limits)) {
      if (!LIMITS.includes(name)) throw new AgentError("TypeError", `unexpected limit ${JSON.stringify(name)}`);
    }
    for (const name of LIMITS) {
      const check = AMOUNTS.has(name) ? checkAmount : checkLimit;
      this[name] = check(name, limits[name]);
    }
    const companions = message.companions || {};
    for (const [name, value] of Object.entries(companions)) {
      if (!COMPANIONS.has(name)) throw new AgentError("TypeError", `unexpected companion ${JSON.stringify(name)}`);
      if (value !== true) throw new AgentError("TypeError", `${name} must be callable, got ${show(decode(value))}`);
    }
    this.hasEstimator = companions.cost_estimator === true;
    this.hasCounter = companions.token_counter === true;
    if (this.max_cost_usd !== null && !this.hasEstimator) {
      throw new AgentError("ValueError", "max_cost_usd needs a cost_estimator(model, input, output, cached) -> usd");
    }
    this.model = message.model;
    this.tools = new Set((message.tools || []).map((t) => t.name));
    this.toolNames = [...this.tools];
    this.messages = [];
    this.sent = 0; // messages of the last model request: the next one keeps them and adds the rest
    this.counted = 0; // messages whose text is in this.size: each is counted once, when first seen
    this.size = 0;
    this.lasting = null; // the counters of counters-kept-across-invocations
  }

  // -- the loop ------------------------------------------------------------------------------------
  async invoke(prompt) {
    const run = this.start(prompt);
    let stop;
    while ((stop = await this.limitHit(run)) === null) {
      const turn = await this.request(run);
      if (typeof turn === "string") return this.finish(run, turn); // a limit forbade retrying a throttled request
      if (await this.take(run, turn)) return this.finish(run, "end_turn");
      await this.runTools(run, turn.tool_calls);
      if (run.stop !== null) return this.finish(run, run.stop);
    }
    return this.finish(run, stop);
  }

  // -- the steps -----------------------------------------------------------------------------------
  start(prompt) {
    let run = {
      start: this.messages.length, deadline: null, calls: 0, executions: 0,
      input: 0, output: 0, cost: 0, text: null, stop: null,
    };
    if (bug("counters-kept-across-invocations")) {
      this.lasting = this.lasting || { calls: 0, executions: 0, input: 0, output: 0, cost: 0 };
      run = Object.assign(this.lasting, { start: run.start, deadline: null, text: null, stop: null });
    }
    if (bug("counters-shared-between-agents")) {
      sharedRun = Object.assign(sharedRun || {}, run);
      run = sharedRun;
    }
    if (this.timeout_seconds !== null) run.deadline = this.clock() + this.timeout_seconds;
    this.messages.push({ role: "user", content: prompt });
    return run;
  }

  clock() {
    return bug("deadline-on-wall-clock") ? this.wire.wall() : this.wire.monotonic();
  }

  timedOut(run) {
    return run.deadline !== null && this.clock() >= run.deadline;
  }

  // The stop reason if a limit forbids another model call, else null.
  async limitHit(run) {
    if (this.max_turns !== null && run.calls >= this.max_turns) return "max_turns";
    if (this.max_token_budget !== null && run.input + run.output >= this.max_token_budget) return "max_token_budget";
    if (this.max_output_tokens !== null) {
      const spent = bug("output-budget-greater-than") ? run.output > this.max_output_tokens : run.output >= this.max_output_tokens;
      if (spent) return "max_output_tokens";
    }
    if (this.max_cost_usd !== null && run.cost >= this.max_cost_usd) return "max_cost_usd";
    if (this.max_context_tokens !== null) {
      const size = await this.requestSize();
      const over = bug("context-ceiling-exclusive") ? size >= this.max_context_tokens : size > this.max_context_tokens;
      if (over) return "max_context_tokens"; // no compaction: stop before an oversized request
    }
    if (this.timedOut(run)) return "timeout";
    return null;
  }

  // The size of the next request: the counter summed over the text of every message in it. Messages
  // are only ever appended, so each is counted once, in one count_request for all the new ones.
  async requestSize() {
    const fresh = this.messages.slice(this.counted);
    this.counted = this.messages.length;
    const texts = fresh.map((m) => m.content).filter((c) => typeof c === "string");
    if (texts.length) {
      const counts = this.hasCounter
        ? (await this.wire.request("count_request", this.id, { texts })).tokens
        : texts.map(approximateTokens);
      for (const n of counts) this.size += n;
    }
    return this.size;
  }

  // The model's reply to one request, or the stop reason of a limit that forbade a retry. A
  // throttled attempt is no reply and no turn: it is sent again at once, up to MAX_ATTEMPTS in all,
  // each attempt after the limits were checked again; once they are spent, the error ends the run.
  async request(run) {
    let failed = 0;
    for (;;) {
      const answer = await this.wire.request("model_request", this.id, this.pendingRequest());
      if (!answer.error) return answer.reply;
      const error = answer.error;
      if (error.kind !== "throttled") throw new AgentError(error.type || "ModelError", error.message || "");
      failed += 1;
      if (bug("throttled-attempt-counted")) run.calls += 1;
      if (failed >= MAX_ATTEMPTS) throw new AgentError("ModelThrottled", error.message || "throttled");
      const stop = await this.limitHit(run);
      if (stop !== null) return stop;
    }
  }

  // What a model_request carries: the messages added since the last request (it keeps those).
  // With --full-requests, the whole conversation every time (base 0): a correct variant, slower.
  pendingRequest() {
    if (FULL_REQUESTS) return { base: 0, messages: this.messages, tools: this.toolNames };
    const base = this.sent;
    this.sent = this.messages.length;
    return { base, messages: this.messages.slice(base), tools: this.toolNames };
  }

  // Record one model reply; true when it is the final answer.
  async take(run, turn) {
    run.calls += 1;
    const usage = turn.usage || {};
    run.input += usage.input_tokens || 0;
    run.output += usage.output_tokens || 0;
    if (this.hasEstimator) {
      const cached = bug("cost-without-cached-tokens") ? 0 : usage.cached_input_tokens || 0;
      const answer = await this.wire.request("cost_request", this.id, {
        model: this.model, input_tokens: usage.input_tokens || 0, output_tokens: usage.output_tokens || 0,
        cached_input_tokens: cached,
      });
      run.cost += answer.usd;
    }
    if (turn.text) run.text = turn.text;
    const calls = turn.tool_calls || [];
    this.messages.push({ role: "assistant", content: turn.text ?? null, tool_calls: calls });
    return calls.length === 0;
  }

  // Decide whether `call` may run; one that may not is answered here, with the reason.
  admit(run, call) {
    if (!this.tools.has(call.name)) {
      this.answer(call, `error: no tool named '${call.name}'`);
    } else if (this.max_tool_calls !== null && run.executions >= this.max_tool_calls) {
      run.stop = run.stop ?? "max_tool_calls";
      if (!bug("refusals-unanswered")) this.answer(call, `refused: max_tool_calls=${this.max_tool_calls} reached`);
    } else {
      run.executions += 1;
      return true;
    }
    return false;
  }

  // Run and answer a reply's calls: one by one, or at most max_parallel_tools at a time.
  async runTools(run, calls) {
    if (this.max_parallel_tools === null || calls.length < 2) {
      for (const call of calls) {
        if (this.admit(run, call)) this.answer(call, await this.execute(run, call));
      }
    } else {
      const admitted = calls.filter((call) => this.admit(run, call));
      const width = this.max_parallel_tools + (bug("parallel-cap-off-by-one") ? 1 : 0);
      let next = 0;
      const lane = async () => {
        while (next < admitted.length) {
          const call = admitted[next++];
          this.answer(call, await this.execute(run, call));
        }
      };
      await Promise.all(Array.from({ length: Math.min(width, admitted.length) }, lane));
    }
    if (bug("deadline-restarted-per-step") && this.timeout_seconds !== null) run.deadline = this.clock() + this.timeout_seconds;
  }

  // The tool's output, or a refusal if the deadline passed before it could start.
  async execute(run, call) {
    if (this.timedOut(run)) {
      run.stop = "timeout";
      return "refused: the invocation timed out";
    }
    const answer = await this.wire.request("tool_request", this.id, { call });
    if (answer.error) return `error: ${answer.error.kind}: ${answer.error.message}`;
    return typeof answer.output === "string" ? answer.output : JSON.stringify(answer.output);
  }

  answer(call, output) {
    const content = String(output);
    const message = { role: "tool", tool_call_id: call.id, content };
    if (this.max_output_bytes !== null && byteLength(content) > this.max_output_bytes) {
      message.content = truncateUtf8(content, this.max_output_bytes);
      message.truncated = true;
    }
    this.messages.push(message);
  }

  finish(run, stopReason) {
    return {
      stop_reason: stopReason, messages: this.messages.slice(run.start), text: run.text,
      usage: { input_tokens: run.input, output_tokens: run.output },
    };
  }
}

new Wire().start();
