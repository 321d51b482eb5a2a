// Prints the first python that can run notebooks (nbclient, nbconvert, nbformat and jupyter_client),
// preferring the system one where Debian's Jupyter lives; exits 1 with instructions if none can.
const { spawnSync } = require('child_process');

const candidates = [process.env.VG_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean);
for (const python of candidates) {
  const r = spawnSync(python, ['-c', 'import nbclient, nbconvert, nbformat, jupyter_client'], { stdio: 'ignore' });
  if (r.status === 0) {
    console.log(python);
    process.exit(0);
  }
}
console.error(
  `no python with Jupyter found (tried ${candidates.join(', ')}).\n` +
    'Install it with `sudo apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client` ' +
    '(Debian/Ubuntu) or `pip install nbconvert nbclient ipykernel`, or set VG_PYTHON to a python that has them.',
);
process.exit(1);
