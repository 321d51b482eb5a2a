#!/usr/bin/env node
// The tslab kernel, with none of its Jupyter messages lost.
//
// 1. tslab calls zeromq's `send` without waiting for the previous send to finish. zeromq.js 6 sends
//    synchronously only 512 times in a row; the 513th waits for the next turn of the event loop, and
//    a send made before then throws EBUSY ("Socket is busy writing"). The messages after it are lost:
//    the cell's outputs, its error, the kernel's "idle" status (Jupyter then shows the cell running
//    forever). Here each socket's sends wait for the one before, in order.
// 2. The outputs go out on a PUB socket, which silently drops messages once 1,000 wait for a slow
//    reader (zeromq's default high-water mark). Other kernels lift the limit (almond sets 0, ark
//    100,000); here it is 0, no limit: a kernel's output is small next to its tensors.
// `scripts/setup.sh` registers this file as the kernel's binary; its arguments are tslab's.
'use strict';
const path = require('path');

const tslabDir = path.dirname(require.resolve('tslab/package.json'));
const zmq = require(require.resolve('zeromq', { paths: [tslabDir] }));

const send = zmq.Socket.prototype.send;
const lastSend = new WeakMap();

function sendInTurn(...args) {
  const before = lastSend.get(this);
  const sendNow = () => send.apply(this, args);
  const sent = before ? before.then(sendNow, sendNow) : sendNow();
  lastSend.set(this, sent);
  const forget = () => {
    if (lastSend.get(this) === sent) lastSend.delete(this);
  };
  // tslab never looks at the promise: a failed send goes to the kernel's log instead of killing it.
  sent.then(forget, (err) => {
    forget();
    process.stderr.write(`tslab kernel: a Jupyter message was not sent: ${err && err.message}\n`);
  });
  return sent;
}

// `send` is a native method: read-only, but configurable.
Object.defineProperty(zmq.Socket.prototype, 'send', { value: sendInTurn, writable: true, configurable: true });

// tslab builds its output socket as `new zmq.Publisher()` when it starts.
const Publisher = zmq.Publisher;
zmq.Publisher = class extends Publisher {
  constructor(options) {
    super({ sendHighWaterMark: 0, ...options });
  }
};

require(path.join(tslabDir, 'dist', 'main.js')).main();
