// Preloaded into a kernel (`NODE_OPTIONS=--require <this file>`) by kernel.test.ts: every zeromq bind
// listens at once but finishes only VG_TEST_BIND_MS (default 3000) later, as when zeromq's worker thread
// is held up between listening and reporting back on a loaded machine. Meanwhile the socket is "blocked
// by a bind" for zeromq, exactly as then, so a client's first request reaches a kernel that may not
// answer yet. It does so without CPU: the bind's completion queues behind libuv threadpool jobs that
// wait on a FIFO until a timer opens it.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const holdMs = Number(process.env.VG_TEST_BIND_MS || 3000);
const tslabDir = path.dirname(require.resolve('tslab/package.json', { paths: [process.cwd(), path.join(__dirname, '..', '..')] }));
const zmq = require(require.resolve('zeromq', { paths: [tslabDir] }));
const { bind, bindSync } = zmq.Socket.prototype;

let held = false;

/** Occupies every libuv threadpool thread until holdMs from now: async binds queued after this wait. */
function holdThreadpool() {
  if (held) return;
  held = true;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-slow-bind-'));
  const fifo = path.join(dir, 'hold');
  execFileSync('mkfifo', [fifo]);
  const threads = Number(process.env.UV_THREADPOOL_SIZE || 4);
  const readers = [];
  for (let i = 0; i < threads; i++) fs.open(fifo, 'r', (err, fd) => (err ? null : readers.push(fd)));
  setTimeout(() => {
    // Opening the FIFO for writing releases every reader blocked in open().
    fs.closeSync(fs.openSync(fifo, 'w'));
    setTimeout(() => {
      for (const fd of readers) fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }, 100);
  }, holdMs);
}

function slowBind(address) {
  try {
    bindSync.call(this, address);
  } catch (err) {
    return Promise.reject(err);
  }
  holdThreadpool();
  // A second endpoint (any free port) keeps the socket in zeromq's "bind in progress" state.
  return bind.call(this, 'tcp://127.0.0.1:*');
}

// zeromq's `bind` cannot be redefined on its prototype: the classes tslab builds its sockets from get it.
for (const name of ['Publisher', 'Router', 'Reply']) {
  const Base = zmq[name];
  zmq[name] = class extends Base {};
  Object.defineProperty(zmq[name].prototype, 'bind', { value: slowBind, writable: true, configurable: true });
}
