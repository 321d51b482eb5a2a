/**
 * `npm run lab` and `npm run notebook`: JupyterLab 4 or Notebook 7 from the project's .venv/, on the
 * notebooks (or the folder named: `npm run lab -- reports/executed`), with the project's tslab kernel,
 * on 127.0.0.1 with a fresh token; it prints the URL to open, token included, once the server answers.
 * Further arguments go to Jupyter (`npm run lab -- --no-browser`). VG_PORT picks the port (default: the
 * first free one from 8888), VG_TOKEN the token. Ctrl-C stops the server and its kernels.
 */
import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { userPath } from '../lib/runtime/paths';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { findJupyter } = require('./find-python.js') as { findJupyter: () => string };

const root = path.resolve(__dirname, '..');
const kernelDir = path.join(root, '.jupyter', 'share', 'jupyter');
const APPS = { lab: { name: 'JupyterLab', page: 'lab' }, notebook: { name: 'Notebook', page: 'tree' } } as const;

function fail(message: string): never {
  console.error(`${path.basename(__filename, '.ts')}: ${message}`);
  process.exit(2);
}

/** The kernel setup registered, if it still points at this clone's launcher. */
function checkKernel(): void {
  const spec = path.join(kernelDir, 'kernels', 'tslab', 'kernel.json');
  if (!fs.existsSync(spec)) fail('the tslab kernel is not registered: run `bash scripts/setup.sh` first.');
  const launcher = (JSON.parse(fs.readFileSync(spec, 'utf8')) as { argv: string[] }).argv[0];
  if (!fs.existsSync(launcher)) fail(`the tslab kernel points at ${launcher}, which is gone (was the project moved?): run \`bash scripts/setup.sh\` again.`);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function choosePort(): Promise<number> {
  if (process.env.VG_PORT) {
    const port = Number(process.env.VG_PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`VG_PORT must be a port number (1-65535), got ${JSON.stringify(process.env.VG_PORT)}.`);
    if (!(await portIsFree(port))) fail(`port ${port} (VG_PORT) is in use: name another, or leave VG_PORT unset to take the first free one from 8888.`);
    return port;
  }
  for (let port = 8888; port < 8988; port++) if (await portIsFree(port)) return port;
  return fail('no free port between 8888 and 8987: set VG_PORT.');
}

async function waitUntilServing(base: string, token: string, alive: () => boolean): Promise<boolean> {
  while (alive()) {
    try {
      if ((await fetch(`${base}/api/status?token=${token}`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function main(): Promise<void> {
  const [app, ...rest] = process.argv.slice(2);
  if (app !== 'lab' && app !== 'notebook') fail('usage: jupyter.ts lab|notebook [FOLDER] [jupyter options]');
  let jupyter: string;
  try {
    jupyter = findJupyter();
  } catch (e) {
    return fail((e as Error).message);
  }
  checkKernel();
  const folderArg = rest.length > 0 && !rest[0].startsWith('-') ? rest.shift() as string : undefined;
  const folder = folderArg ? userPath(folderArg) : path.join(root, 'notebooks');
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) fail(`${folder} is not a folder.`);
  const port = await choosePort();
  const token = process.env.VG_TOKEN || randomBytes(24).toString('hex');
  const args = [app, '--ip=127.0.0.1', `--port=${port}`, '--ServerApp.port_retries=0', `--IdentityProvider.token=${token}`,
    `--ServerApp.root_dir=${folder}`, ...(process.getuid?.() === 0 ? ['--allow-root'] : []), ...rest];
  const env = { ...process.env, JUPYTER_PATH: [kernelDir, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter) };
  // stdin stays ours: with no terminal on its stdin, Jupyter stops at the first Ctrl-C instead of asking.
  const server = spawn(jupyter, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
  for (const s of ['SIGTERM', 'SIGHUP'] as const) process.on(s, () => server.kill('SIGTERM'));
  process.on('SIGINT', () => undefined); // the terminal sends it to Jupyter too
  const exited = new Promise<number>((resolve) => server.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  const base = `http://127.0.0.1:${port}`;
  if (await waitUntilServing(base, token, () => server.exitCode === null && server.signalCode === null)) {
    const { name, page } = APPS[app];
    console.log(`\n${name} is serving ${path.relative(process.cwd(), folder) || folder} with the TypeScript (tslab) kernel. Open:\n\n    ${base}/${page}?token=${token}\n\nCtrl-C stops it.\n`);
  }
  process.exit(await exited);
}

void main();
