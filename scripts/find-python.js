// Finds the python of the project's one Jupyter stack: the `.venv/` that `bash scripts/setup.sh`
// installs (JupyterLab 4, Notebook 7, nbclient, nbconvert), or VG_PYTHON where a user names another
// python that has them. The reports job, the tests and `npm run lab` all use it. Run directly, it
// prints it or exits 1 with what to do.
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');
const VENV_PYTHON = path.join(root, '.venv', 'bin', 'python');

function hasJupyter(python) {
  return spawnSync(python, ['-c', 'import nbclient, nbconvert, nbformat, jupyter_client'], { stdio: 'ignore' }).status === 0;
}

function findPython() {
  if (process.env.VG_PYTHON) {
    if (hasJupyter(process.env.VG_PYTHON)) return process.env.VG_PYTHON;
    throw new Error(`VG_PYTHON=${process.env.VG_PYTHON} cannot import nbclient, nbconvert, nbformat and jupyter_client: ` +
      `install them there (pip install -r scripts/jupyter-requirements.txt) or unset VG_PYTHON to use the project's .venv/.`);
  }
  if (hasJupyter(VENV_PYTHON)) return VENV_PYTHON;
  throw new Error('the project\'s Jupyter is not installed (no working .venv/): run `bash scripts/setup.sh`, ' +
    'which installs it with pip from scripts/jupyter-requirements.txt.');
}

/** The `jupyter` command beside that python (`jupyter lab`, `jupyter nbconvert`, `jupyter trust`). */
function findJupyter() {
  return path.join(path.dirname(findPython()), 'jupyter');
}

module.exports = { findPython, findJupyter };

if (require.main === module) {
  try {
    console.log(findPython());
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
