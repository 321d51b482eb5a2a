// Preloaded (`NODE_OPTIONS=--require <this file>`) into a reports job by reports.faults.test.ts: the
// first VG_TEST_KERNEL_FAILURES (default 1) tslab kernels to start exit at once, as a kernel that cannot
// start does. VG_TEST_KERNEL_MARKER names the file that counts the starts made to fail; other node
// processes (npm, the job) are left alone.
'use strict';
const fs = require('fs');

function failThisStart() {
  const marker = process.env.VG_TEST_KERNEL_MARKER;
  const isKernel = process.argv.some((a) => a.endsWith('tslab-kernel.js')) && process.argv.includes('kernel');
  if (!marker || !isKernel) return;
  const failed = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').split('\n').filter(Boolean).length : 0;
  if (failed >= Number(process.env.VG_TEST_KERNEL_FAILURES || 1)) return;
  fs.appendFileSync(marker, `${process.pid}\n`);
  fs.writeSync(2, 'kernel-fails-to-start.js: this kernel start fails on purpose\n');
  process.exit(1);
}

failThisStart();
