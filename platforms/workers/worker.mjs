// The Cloudflare Workers entry of a Go program built with
// github.com/wacht-platform/serverless-go/platforms/workers (GOOS=js
// GOARCH=wasm). scripts/build-workers.sh copies it to build/worker.mjs next
// to app.wasm and wasm_exec.js (syumai/workers' copy of Go's, which hands
// each instance its own globalThis.context).
//
// One Go instance per isolate: the first request starts the Go program, and
// every later request, concurrent ones included, is dispatched into the
// running instance, so what Go keeps in memory (the kit's clients, the
// verifier's key set) stays warm. Each request hands Go its own env and ctx.
//
// Workers tie I/O to the request that started it: a subrequest, a stream or
// a cache read belongs to one request's context, ends with it, and cannot
// be touched from another request's. Go's scheduler, though, runs whichever
// goroutines are ready whenever any event resumes it. So Go never touches
// an I/O object: it asks this module (context.host) for a whole exchange
// (fetch and read the body; a cache read or write), which runs entirely in
// the context that was running Go at that moment, is kept alive there with
// that request's ctx.waitUntil, and reports back by a plain call into Go.
// Request bodies are read here, in the request's own context, before Go
// sees them; answers are turned into a Response back in that context.
//
// Faults: when the Go program exits (an unrecovered panic in any goroutine,
// a runtime fatal error) or a call into it throws (a Wasm trap), every
// request it still owes is answered 500 and the next request starts a fresh
// instance (a request that found it dead is tried once on the fresh one). A request that does not settle within WACHT_WORKER_SETTLE_MS
// (a binding; default 60000 ms) is answered 504 and its instance is retired:
// requests already in it may still finish, new ones go to a fresh instance.
import "./wasm_exec.js";
import { connect } from "cloudflare:sockets";
import mod from "./app.wasm";

// syumai/workers' Go packages call globalThis.tryCatch.
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

function headerText(headers) {
  // Header names and values cannot hold a newline (the Headers class
  // rejects them), so one string crosses into Go in a single call.
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
  return { status, headers, body: new TextEncoder().encode(JSON.stringify(body)) };
}

// WebCrypto parameters of the JWS algorithms host.verify checks.
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

// host is what Go asks for I/O. Each call runs the whole exchange here and
// calls back into Go (cb) with plain values: no promise, stream or Response
// crosses into Go.
function makeHost(inst) {
  return {
    fetch(method, url, headers, body, cb) {
      const ctx = runningCtx;
      const p = (async () => {
        const res = await fetch(url, {
          method,
          headers: headersFrom(headers),
          body: body ?? undefined,
          redirect: "manual",
        });
        const buf = new Uint8Array(await res.arrayBuffer());
        return [res.status, headerText(res.headers), buf];
      })();
      keepAlive(p).then(
        ([status, h, buf]) => inst.call(ctx, cb, null, status, h, buf),
        (e) => inst.call(ctx, cb, String(e?.message ?? e)),
      );
    },
    cacheMatch(url, cb) {
      const ctx = runningCtx;
      const p = (async () => {
        const res = await caches.default.match(url);
        if (!res) return null;
        return [res.status, headerText(res.headers), new Uint8Array(await res.arrayBuffer())];
      })();
      keepAlive(p).then(
        (r) => (r ? inst.call(ctx, cb, null, r[0], r[1], r[2]) : inst.call(ctx, cb, null, 0)),
        (e) => inst.call(ctx, cb, String(e?.message ?? e)),
      );
    },
    // verify checks a JWS signature with WebCrypto, natively, where Go's
    // own cryptography would run as Wasm. An error hands the check back to
    // Go.
    verify(alg, jwk, data, sig, cb) {
      const ctx = runningCtx;
      const p = (async () => {
        const [importParams, verifyParams] = WEBCRYPTO[alg];
        const id = alg + "\n" + jwk;
        let key = verifyKeys.get(id);
        if (!key) {
          key = await crypto.subtle.importKey("jwk", JSON.parse(jwk), importParams, false, ["verify"]);
          if (verifyKeys.size >= 64) verifyKeys.clear();
          verifyKeys.set(id, key);
        }
        return crypto.subtle.verify(verifyParams, key, sig, data);
      })();
      keepAlive(p).then(
        (ok) => inst.call(ctx, cb, null, ok),
        (e) => inst.call(ctx, cb, String(e?.message ?? e)),
      );
    },
    cachePut(url, headers, body, cb) {
      const ctx = runningCtx;
      const p = caches.default.put(url, new Response(body, { headers: headersFrom(headers) }));
      keepAlive(p).then(
        () => inst.call(ctx, cb, null),
        (e) => inst.call(ctx, cb, String(e?.message ?? e)),
      );
    },
  };
}

class Instance {
  constructor() {
    this.id = ++started;
    this.owed = new Map(); // request number -> { settle(answer), requestID }
    this.next = 0;
    this.retired = false;
    this.failed = null;
    this.context = { env: undefined, ctx: undefined, connect, binding: {}, host: makeHost(this) };
    const go = new Go();
    this.go = go;
    this.ready = false;
    go.exit = (code) => {
      this.exitCode = code;
    };
    const wasm = new WebAssembly.Instance(mod, {
      ...go.importObject,
      workers: { ready: () => (this.ready = true) },
    });
    // go.run's promise cannot tell us of an exit: it was created in the
    // context of the request that started the instance, and once that
    // request is over the runtime drops its continuations. Every entry into
    // Go checks go.exited instead. The program's main runs here until it
    // blocks; it must reach Serve without waiting on I/O.
    go.run(wasm, this.context).catch((e) => this.fail(`the Go program failed: ${e?.message ?? e}`));
    // Nor should an exit resolve it from another request's context (the
    // runtime warns of that): nothing waits on it.
    go._resolveExitPromise = () => {};
    this.checkExit();
    if (!this.failed && !this.ready) this.fail("the Go program did not call workers.Serve");
  }

  checkExit() {
    if (this.go.exited && !this.failed) this.fail(`the Go program exited (code ${this.exitCode})`);
    return this.failed;
  }

  // call enters Go from this module (an I/O result), in ctx's event.
  call(ctx, fn, ...args) {
    if (this.checkExit()) return;
    runningCtx = ctx;
    try {
      fn(...args);
    } catch (e) {
      this.fail(`a call into Go threw: ${e?.message ?? e}`);
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
  }

  async serve(request, body, env, ctx) {
    if (this.checkExit()) throw new InstanceFailed();
    const bound = Number(env?.[SETTLE_VAR]) > 0 ? Number(env[SETTLE_VAR]) : DEFAULT_SETTLE_MS;
    const n = ++this.next;
    const requestID = request.headers.get("cf-ray");
    let timer;
    const answer = await new Promise((resolve) => {
      const settle = (a) => {
        if (!this.owed.delete(n)) return;
        clearTimeout(timer);
        resolve(a);
      };
      this.owed.set(n, { settle, requestID });
      timer = setTimeout(() => {
        this.retire(`a request did not settle within ${bound} ms`);
        settle(failure(504, "upstream_timeout", "the request did not complete in time", requestID));
      }, bound);
      this.context.env = env;
      this.context.ctx = ctx;
      this.call(ctx, this.context.binding.serve, request.method, request.url, headerText(request.headers), body, env, ctx, (status, headers, out) =>
        settle({ status, headers, body: out }),
      );
    });
    // Back in this request's own context: build the Response here.
    const nullBody = answer.status === 101 || answer.status === 204 || answer.status === 205 || answer.status === 304;
    return new Response(nullBody || request.method === "HEAD" ? null : answer.body, {
      status: answer.status,
      headers: headersFrom(answer.headers),
    });
  }
}

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
