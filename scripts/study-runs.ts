/**
 * Writes data/study-runs.json: every experiment at the study preset (100 epochs per run and per
 * layer-wise stage, seeds 0-2), trained in worker processes or read from the run store, compacted
 * (see lib/runs/study.ts). `npm run study-runs`; `-- relu adam` trains only those (the file then holds
 * only them). Each finished experiment is in the run store at once, so a stopped job loses at most the
 * one it was training: run the command again and it goes on from there. `VG_PRESET=smoke` makes a
 * small file in seconds, for trying it (with `VG_STUDY_FILE` naming where).
 */
import { EXPERIMENT_IDS } from '../lib/spec/experiments';
import { studyFilePath, trainStudyRuns } from '../lib/runs/study';

async function main(): Promise<void> {
  const ids = process.argv.slice(2);
  const unknown = ids.filter((id) => !EXPERIMENT_IDS.includes(id));
  if (unknown.length) {
    console.error(`unknown experiment${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; use any of: ${EXPERIMENT_IDS.join(', ')}`);
    process.exit(2);
  }
  const command = `npm run study-runs${ids.length ? ` -- ${ids.join(' ')}` : ''}`;
  const file = await trainStudyRuns({ command, ids: ids.length ? ids : EXPERIMENT_IDS, preset: process.env.VG_PRESET });
  console.log(`wrote ${studyFilePath()}: ${file.runs.length} runs in ${file.meta.minutes} min`);
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
