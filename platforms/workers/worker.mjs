// The Cloudflare Workers entry of a Go program built with
// github.com/wacht-platform/serverless-go/platforms/workers (GOOS=js
// GOARCH=wasm). scripts/build-workers.sh copies it to build/worker.mjs next
// to app.wasm and wasm_exec.js (syumai/workers' copy of Go's, which hands
// each instance its own globalThis.context).
//
// One Go instance per isolate: the first request starts the Go program, and
// every later request, concurrent ones included, is dispatched into the
// running instance, so what Go keeps in memory (the kit's clients, the
// verifier's key set) stays warm. Each request hands Go its own head, body
// and env bindings; its ctx stays here, for the I/O Go asks for.
//
// Workers tie I/O to the request that started it: a subrequest, a stream or
// a cache read belongs to one request's context, ends with it, and cannot
// be touched from another request's. Go's scheduler, though, runs whichever
// goroutines are ready whenever any event resumes it. So Go never touches
// an I/O object: it asks this module (the instance's "workers" imports) for
// a whole exchange (fetch and read the body; a cache read or write; a
// signature check), which runs entirely in the context that was running Go
// at that moment, is kept alive there with that request's ctx.waitUntil,
// and reports back by a plain call into Go. Request bodies are read here,
// in the request's own context, before Go sees them; answers are turned
// into a Response back in that context.
//
// Only numbers cross by call: bytes (a request's head and body, its env
// snapshot, an answer, a fetch's result) are copied straight between Go's
// memory and this module by the imports, given a pointer and a length. Each
// JavaScript value Go holds costs it a reference and a finalizer, which
// under Wasm cost more than the kit's own work on a request.
//
// Faults: when the Go program exits (an unrecovered panic in any goroutine,
// a runtime fatal error) or a call into it throws (a Wasm trap), every
// request it still owes is answered 500 and the next request starts a fresh
// instance (a request that found it dead is tried once on the fresh one). A
// request that does not settle within WACHT_WORKER_SETTLE_MS (a binding;
// default 60000 ms) is answered 504 and its instance is retired: requests
// already in it may still finish, new ones go to a fresh instance.
import "./wasm_exec.js";
import { connect } from "cloudflare:sockets";
import mod from "./app.wasm";

// syumai/workers' Go packages (a program may use its KV, R2 or sockets
// packages beside this one) call globalThis.tryCatch and reach for
// context.connect.
globalThis.tryCatch = (fn) => {
  try {
    return { result: fn() };
  } catch (error) {
    return { error };
  }
};

const SETTLE_VAR = "WACHT_WORKER_SETTLE_MS";
const DEFAULT_SETTLE_MS = 60_000;

// The instance new requests go to (null until the first request, and after
// its instance failed or was retired).
let current = null;
let started = 0;

// The ctx of the event Go is running in: set on every entry into Go from
// this module, used to keep the I/O Go starts alive (ctx.waitUntil).
let runningCtx = null;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function headerText(headers) {
  // Header names and values cannot hold a newline (the Headers class
  // rejects them), so they travel as one text, a line each.
  let s = "";
  for (const [k, v] of headers) s += k + "\n" + v + "\n";
  return s;
}

function headersFrom(text) {
  const h = new Headers();
  const parts = text.split("\n");
  for (let i = 0; i + 1 < parts.length; i += 2) h.append(parts[i], parts[i + 1]);
  return h;
}

// Each distinct env object, numbered, with a snapshot of its value
// bindings as Go's workers.Env reports them: strings as they are; numbers,
// booleans, plain objects and arrays (JSON vars) as JSON text; other
// bindings (KV namespaces, services, ...) left out. Workers hand every
// request of an isolate the same env, so this runs once per isolate.
const envs = new WeakMap();
let envCount = 0;
const noEnv = { id: 0, bytes: encoder.encode("{}") };

function envOf(env) {
  if (env === null || typeof env !== "object") return noEnv;
  let e = envs.get(env);
  if (!e) {
    // No prototype, so that a binding named __proto__ is a member like any
    // other rather than an attempt to set one.
    const vars = Object.create(null);
    for (const [k, v] of Object.entries(env)) {
      if (typeof v === "string") vars[k] = v;
      else if (typeof v === "number" || typeof v === "boolean") vars[k] = JSON.stringify(v);
      else if (v !== null && typeof v === "object" && (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype)) vars[k] = JSON.stringify(v);
    }
    e = { id: ++envCount, bytes: encoder.encode(JSON.stringify(vars)) };
    envs.set(env, e);
  }
  return e;
}

function keepAlive(promise) {
  const ctx = runningCtx;
  if (ctx) {
    try {
      ctx.waitUntil(promise.catch(() => {}));
    } catch {
      // That request's context is over; the I/O runs without the extension.
    }
  }
  return promise;
}

// failure is an answer of the entry's own, shaped like the kit's JSON
// errors (handler/respond.go), with the request id when the request has one
// (the Cloudflare ray id, as platforms/workers uses it).
function failure(status, code, message, requestID) {
  let headers = "content-type\napplication/json\n";
  const body = { error: code, message };
  if (requestID) {
    body.request_id = requestID;
    headers += "x-request-id\n" + requestID + "\n";
  }
  return { status, headers, body: encoder.encode(JSON.stringify(body)) };
}

// WebCrypto parameters of the JWS algorithms the verify import checks.
const WEBCRYPTO = {
  ES256: [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }],
  ES384: [{ name: "ECDSA", namedCurve: "P-384" }, { name: "ECDSA", hash: "SHA-384" }],
  ES512: [{ name: "ECDSA", namedCurve: "P-521" }, { name: "ECDSA", hash: "SHA-512" }],
  RS256: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, { name: "RSASSA-PKCS1-v1_5" }],
  RS384: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" }, { name: "RSASSA-PKCS1-v1_5" }],
  RS512: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" }, { name: "RSASSA-PKCS1-v1_5" }],
};

// Imported verification keys, by algorithm and JWK text: a key set holds a
// few keys and changes rarely, so the cache stays small; it is emptied if
// it ever grows past 64.
const verifyKeys = new Map();

function message(e) {
  return String(e?.message ?? e);
}

class Instance {
  constructor() {
    this.id = ++started;
    this.owed = new Map(); // request number -> { settle(answer), requestID }
    this.requests = new Map(); // request number -> { head, body, env } until Go takes them
    this.results = new Map(); // host call id -> [head, body] until Go takes them
    this.next = 0;
    this.retired = false;
    this.failed = null;
    this.context = { connect, binding: {} };
    const go = new Go();
    this.go = go;
    this.ready = false;
    go.exit = (code) => {
      this.exitCode = code;
    };
    this.wasm = new WebAssembly.Instance(mod, {
      ...go.importObject,
      workers: this.imports(),
    });
    // go.run's promise cannot tell us of an exit: it was created in the
    // context of the request that started the instance, and once that
    // request is over the runtime drops its continuations. Every entry into
    // Go checks go.exited instead. The program's main runs here until it
    // blocks; it must reach Serve without waiting on I/O.
    go.run(this.wasm, this.context).catch((e) => this.fail(`the Go program failed: ${message(e)}`));
    // Nor should an exit resolve it from another request's context (the
    // runtime warns of that): nothing waits on it.
    go._resolveExitPromise = () => {};
    this.checkExit();
    if (!this.failed && !this.ready) this.fail("the Go program did not call workers.Serve");
  }

  // bytes views len bytes of Go's memory at ptr (valid until Go runs
  // again: memory growth replaces the buffer).
  bytes(ptr, len) {
    return new Uint8Array(this.wasm.exports.mem.buffer, ptr >>> 0, len >>> 0);
  }

  text(ptr, len) {
    return len === 0 ? "" : decoder.decode(this.bytes(ptr, len));
  }

  // put copies parts into Go's memory at ptr, which holds size bytes.
  put(ptr, size, ...parts) {
    const dst = this.bytes(ptr, size);
    let at = 0;
    for (const p of parts) {
      if (!p || p.length === 0) continue;
      dst.set(p.length > size - at ? p.subarray(0, size - at) : p, at);
      at += p.length;
    }
  }

  // imports are the "workers" module Go's //go:wasmimport calls reach
  // (platforms/workers: serve_js.go, env_js.go, host_js.go).
  imports() {
    return {
      ready: () => {
        this.ready = true;
      },
      takeRequest: (n, ptr, size) => {
        const r = this.requests.get(n);
        if (r) this.put(ptr, size, r.head, r.body);
      },
      takeEnv: (n, ptr, size) => {
        const r = this.requests.get(n);
        if (r) this.put(ptr, size, r.env);
      },
      respond: (n, status, hp, hl, bp, bl) => {
        this.requests.delete(n);
        const o = this.owed.get(n);
        if (o) o.settle({ status, headers: this.text(hp, hl), body: this.bytes(bp, bl).slice() });
      },
      takeResult: (id, ptr, size) => {
        const r = this.results.get(id);
        this.results.delete(id);
        if (r) this.put(ptr, size, r[0], r[1]);
      },
      fetch: (id, mp, ml, up, ul, hp, hl, bp, bl, hasBody) => {
        const method = this.text(mp, ml);
        const url = this.text(up, ul);
        const headers = headersFrom(this.text(hp, hl));
        const body = hasBody ? this.bytes(bp, bl).slice() : undefined;
        this.run(id, async () => {
          const res = await fetch(url, { method, headers, body, redirect: "manual" });
          const buf = new Uint8Array(await res.arrayBuffer());
          return [res.status, encoder.encode(headerText(res.headers)), buf];
        });
      },
      cacheMatch: (id, up, ul) => {
        const url = this.text(up, ul);
        this.run(id, async () => {
          const res = await caches.default.match(url);
          if (!res) return [0];
          return [res.status, encoder.encode(headerText(res.headers)), new Uint8Array(await res.arrayBuffer())];
        });
      },
      cachePut: (id, up, ul, hp, hl, bp, bl) => {
        const url = this.text(up, ul);
        const res = new Response(this.bytes(bp, bl).slice(), { headers: headersFrom(this.text(hp, hl)) });
        this.run(id, async () => {
          await caches.default.put(url, res);
          return [0];
        });
      },
      // verify checks a JWS signature with WebCrypto, natively, where Go's
      // own cryptography would run as Wasm. An error hands the check back
      // to Go.
      verify: (id, ap, al, jp, jl, dp, dl, sp, sl) => {
        const alg = this.text(ap, al);
        const jwk = this.text(jp, jl);
        const data = this.bytes(dp, dl).slice();
        const sig = this.bytes(sp, sl).slice();
        this.run(id, async () => {
          const [importParams, verifyParams] = WEBCRYPTO[alg];
          const cacheKey = alg + "\n" + jwk;
          let key = verifyKeys.get(cacheKey);
          if (!key) {
            key = await crypto.subtle.importKey("jwk", JSON.parse(jwk), importParams, false, ["verify"]);
            if (verifyKeys.size >= 64) verifyKeys.clear();
            verifyKeys.set(cacheKey, key);
          }
          return [(await crypto.subtle.verify(verifyParams, key, sig, data)) ? 1 : 0];
        });
      },
    };
  }

  // run runs a host call's exchange in the context Go is running in, keeps
  // it alive there, and reports its [code, head, body] (or its failure:
  // code -1 and the message) to Go by binding.complete.
  run(id, exchange) {
    const ctx = runningCtx;
    keepAlive(exchange()).then(
      ([code, head, body]) => this.complete(ctx, id, code, head, body),
      (e) => this.complete(ctx, id, -1, encoder.encode(message(e))),
    );
  }

  complete(ctx, id, code, head, body) {
    head ??= empty;
    body ??= empty;
    this.results.set(id, [head, body]);
    this.call(ctx, this.context.binding.complete, id, code, head.length, body.length);
  }

  checkExit() {
    if (this.go.exited && !this.failed) this.fail(`the Go program exited (code ${this.exitCode})`);
    return this.failed;
  }

  // call enters Go from this module, in ctx's event.
  call(ctx, fn, ...args) {
    if (this.checkExit()) return;
    runningCtx = ctx;
    try {
      fn(...args);
    } catch (e) {
      this.fail(`a call into Go threw: ${message(e)}`);
    }
    this.checkExit();
  }

  retire(reason) {
    if (this.retired) return;
    this.retired = true;
    if (current === this) current = null;
    console.error(`wacht worker: Go instance ${this.id} retired: ${reason}`);
  }

  fail(reason) {
    if (this.failed) return;
    this.failed = reason;
    this.retire(reason);
    for (const { settle, requestID } of this.owed.values()) {
      settle(failure(500, "internal_error", "the Worker's Go instance failed; retry the request", requestID));
    }
    this.owed.clear();
    this.requests.clear();
    this.results.clear();
  }

  async serve(request, body, env, ctx) {
    if (this.checkExit()) throw new InstanceFailed();
    const bound = Number(env?.[SETTLE_VAR]) > 0 ? Number(env[SETTLE_VAR]) : DEFAULT_SETTLE_MS;
    const n = ++this.next;
    const requestID = request.headers.get("cf-ray");
    const head = encoder.encode(request.method + "\n" + request.url + "\n" + headerText(request.headers));
    const e = envOf(env);
    let timer;
    const answer = await new Promise((resolve) => {
      const settle = (a) => {
        if (!this.owed.delete(n)) return;
        this.requests.delete(n);
        clearTimeout(timer);
        resolve(a);
      };
      this.owed.set(n, { settle, requestID });
      this.requests.set(n, { head, body, env: e.bytes });
      timer = setTimeout(() => {
        this.retire(`a request did not settle within ${bound} ms`);
        settle(failure(504, "upstream_timeout", "the request did not complete in time", requestID));
      }, bound);
      this.call(ctx, this.context.binding.serve, n, head.length, body === null ? -1 : body.length, e.id, e.bytes.length);
    });
    // Back in this request's own context: build the Response here.
    const nullBody = answer.status === 101 || answer.status === 204 || answer.status === 205 || answer.status === 304;
    return new Response(nullBody || request.method === "HEAD" ? null : answer.body, {
      status: answer.status,
      headers: headersFrom(answer.headers),
    });
  }
}

const empty = new Uint8Array(0);

class InstanceFailed extends Error {}

function instance() {
  if (current === null || current.failed) current = new Instance();
  return current;
}

export default {
  async fetch(request, env, ctx) {
    runningCtx = ctx;
    // Read here, in this request's own context (see above).
    const body = request.body === null ? null : new Uint8Array(await request.arrayBuffer());
    let inst = instance();
    try {
      return await inst.serve(request, body, env, ctx);
    } catch (e) {
      if (!(e instanceof InstanceFailed)) throw e;
    }
    // The instance died while starting: one fresh try.
    inst = instance();
    try {
      return await inst.serve(request, body, env, ctx);
    } catch (e) {
      if (!(e instanceof InstanceFailed)) throw e;
      const f = failure(500, "internal_error", "the Worker's Go program did not start", request.headers.get("cf-ray"));
      return new Response(f.body, { status: f.status, headers: headersFrom(f.headers) });
    }
  },
};
