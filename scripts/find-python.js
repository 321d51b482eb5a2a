// Finds the python that can run notebooks (nbclient, nbconvert, nbformat and jupyter_client),
// preferring the system one where Debian's Jupyter lives. Run directly, it prints it or exits 1.
const { spawnSync } = require('child_process');

const HINT =
  'Install it with `sudo apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client` ' +
  '(Debian/Ubuntu) or `pip install nbconvert nbclient ipykernel`, or set VG_PYTHON to a python that has them.';

function findPython() {
  const candidates = [process.env.VG_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean);
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import nbclient, nbconvert, nbformat, jupyter_client'], { stdio: 'ignore' });
    if (r.status === 0) return python;
  }
  throw new Error(`no python with Jupyter found (tried ${candidates.join(', ')}). ${HINT}`);
}

module.exports = { findPython };

if (require.main === module) {
  try {
    console.log(findPython());
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
