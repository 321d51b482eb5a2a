#!/usr/bin/env node
// The tslab kernel, with none of its Jupyter messages lost and a start that cannot leave it deaf.
//
// 1. tslab calls zeromq's `send` without waiting for the previous send to finish. zeromq.js 6 sends
//    synchronously only 512 times in a row; the 513th waits for the next turn of the event loop, and
//    a send made before then throws EBUSY ("Socket is busy writing"). The messages after it are lost:
//    the cell's outputs, its error, the kernel's "idle" status (Jupyter then shows the cell running
//    forever). Here each socket's sends wait for the one before, in order.
// 2. The outputs go out on a PUB socket, which silently drops messages once 1,000 wait for a slow
//    reader (zeromq's default high-water mark). Other kernels lift the limit (almond sets 0, ark
//    100,000); here it is 0, no limit: a kernel's output is small next to its tensors.
// 3. tslab starts its receive loops before it binds its sockets, and does not wait for the binds.
//    zeromq marks a socket usable only when its bind's completion reaches the main thread, but the
//    port listens as soon as the bind ran in zeromq's worker thread: on a loaded machine a client's
//    kernel_info_request can arrive first, through the receive armed before the bind. Answering it,
//    or arming the next receive, then throws EBUSY ("Socket is blocked by a bind or unbind
//    operation"); tslab's loop dies of it and the kernel stays alive but deaf (Jupyter: "Kernel didn't
//    respond in 120 seconds"; about 1 start in 400 with three kernels starting on a loaded machine).
//    Here a kernel socket receives and sends nothing until its bind has finished, and a kernel that
//    cannot bind its ports exits at once (Jupyter then says the kernel died) instead of listening to
//    nothing.
// 4. A failed send is logged to the real stderr, never through `process.stderr.write`: tslab points
//    that at the output socket while a cell runs, so at shutdown, with the socket closed, logging
//    threw again, and the tfjs wasm glue (which rethrows unhandled rejections) killed the kernel with
//    its own stack trace in place of the cell's error.
// 5. JupyterLab's history requests get an empty history (below) instead of a warning in a cell.
// 6. tslab compiles cells with TypeScript's watch program, through a timer of its own that holds one
//    callback at a time and throws "Unexpected pending rebuildTimer" when asked for a second. The
//    watch program asks for two kinds: a program update (a watched file changed) and, when a folder
//    that held a failed module lookup changes, a re-check of those lookups. A lib/ file saved while a
//    notebook's kernel was open (an editor's save-by-rename, a `git pull`) could ask for both, and the
//    throw, in a file-watch callback, killed the kernel. Here the re-check runs on a real timer of its
//    own; it only marks lookups to redo and schedules a program update, which tslab's timer then holds
//    alone, and the next cell compiles against the files as they are now (as tslab intends).
// `scripts/setup.sh` registers this file as the kernel's binary; its arguments are tslab's.
'use strict';
const fs = require('fs');
const path = require('path');

const tslabDir = path.dirname(require.resolve('tslab/package.json'));
const zmq = require(require.resolve('zeromq', { paths: [tslabDir] }));

/** Writes one line to the kernel's own stderr (Jupyter's log), whatever tslab did to process.stderr. */
function log(text) {
  try {
    fs.writeSync(2, `tslab kernel: ${text}\n`);
  } catch {
    // stderr is gone (the client closed it): there is nobody left to tell.
  }
}

const send = zmq.Socket.prototype.send;
/** Each socket's last send (or, before its bind has finished, the bind): the next send waits for it. */
const lastSend = new WeakMap();

function sendInTurn(...args) {
  const before = lastSend.get(this);
  const sendNow = () => send.apply(this, args);
  let sent;
  if (before) {
    sent = before.then(sendNow, sendNow);
  } else {
    try {
      sent = sendNow();
    } catch (err) {
      sent = Promise.reject(err);
    }
  }
  lastSend.set(this, sent);
  const forget = () => {
    if (lastSend.get(this) === sent) lastSend.delete(this);
  };
  // tslab never looks at the promise: a failed send goes to the kernel's log instead of killing it.
  sent.then(forget, (err) => {
    forget();
    // tslab still publishes a status or two after closing its sockets at shutdown: nobody listens.
    if (!this.closed) log(`a Jupyter message was not sent: ${err && err.message}`);
  });
  return sent;
}

// `send` is a native method: read-only, but configurable.
Object.defineProperty(zmq.Socket.prototype, 'send', { value: sendInTurn, writable: true, configurable: true });

/** A socket class whose sockets receive and send nothing until their first bind has finished. */
function boundFirst(Base) {
  return class extends Base {
    /** Settled (never rejected) when the first bind has finished, whether or not it worked. */
    #bound;
    #settleBound;
    #isBound = false;

    constructor(options) {
      super(options);
      this.#bound = new Promise((resolve) => (this.#settleBound = resolve));
      lastSend.set(this, this.#bound);
    }

    bind(address) {
      let binding;
      try {
        binding = super.bind(address);
      } catch (err) {
        binding = Promise.reject(err);
      }
      const done = () => {
        this.#isBound = true;
        this.#settleBound();
      };
      binding.then(done, (err) => {
        done();
        log(`cannot listen on ${address}: ${err && err.message}; the kernel exits (start it again)`);
        process.exit(1);
      });
      return binding;
    }

    receive() {
      return this.#isBound ? super.receive() : this.#bound.then(() => super.receive());
    }
  };
}

// tslab builds its sockets as `new zmq.Publisher()`, `new zmq.Router()` and `new zmq.Reply()` when it starts.
const Publisher = boundFirst(zmq.Publisher);
zmq.Publisher = class extends Publisher {
  constructor(options) {
    super({ sendHighWaterMark: 0, ...options });
  }
};
zmq.Router = boundFirst(zmq.Router);
zmq.Reply = boundFirst(zmq.Reply);

// JupyterLab asks a kernel for its input history (history_request) when a notebook opens and as cells
// are added; tslab knows no such request and warns "unknown msg_type: history_request" on stderr, which
// tslab shows in whichever cell runs then. The messaging spec lets a kernel answer with an empty history.
// tslab's message class is not exported: it is taken from the kernel_info request, always the first.
const { ZmqServer } = require(path.join(tslabDir, 'dist', 'jupyter.js'));
let Message;
const handleKernelInfo = ZmqServer.prototype.handleKernelInfo;
ZmqServer.prototype.handleKernelInfo = function (sock, msg) {
  Message = msg.constructor;
  return handleKernelInfo.call(this, sock, msg);
};
const handleShellMessage = ZmqServer.prototype.handleShellMessage;
ZmqServer.prototype.handleShellMessage = async function (sock, ...frames) {
  const msg = Message && Message.fromRaw(this.connInfo.key, frames);
  if (!msg || msg.header.msg_type !== 'history_request') return handleShellMessage.call(this, sock, ...frames);
  this.publishStatus('busy', msg);
  const reply = msg.createReply();
  reply.header.msg_type = 'history_reply';
  reply.content = { status: 'ok', history: [] };
  reply.signAndSend(this.connInfo.key, sock);
  this.publishStatus('idle', msg);
};

// tslab's converter builds its compiler system as Object.create(ts.sys) and assigns its own setTimeout
// and clearTimeout to it: accessors on ts.sys catch those assignments and route the failed-lookup
// re-check (TypeScript's function invalidateResolutionsOfFailedLookup) to a real timer.
const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] }));
const realTimers = new WeakSet();
const ownTimer = (callback) => callback.name === 'invalidateResolutionsOfFailedLookup';
function routeTimers(name, wrap) {
  const original = ts.sys[name];
  Object.defineProperty(ts.sys, name, {
    configurable: true,
    get: () => original,
    set(tslabs) {
      Object.defineProperty(this, name, { value: wrap(tslabs), writable: true, configurable: true, enumerable: true });
    },
  });
}
routeTimers('setTimeout', (tslabs) => (callback, ms, ...args) => {
  if (!ownTimer(callback)) return tslabs(callback, ms, ...args);
  const timer = setTimeout(callback, ms, ...args);
  realTimers.add(timer);
  return timer;
});
routeTimers('clearTimeout', (tslabs) => (timer) => (realTimers.has(timer) ? clearTimeout(timer) : tslabs(timer)));

require(path.join(tslabDir, 'dist', 'main.js')).main();
