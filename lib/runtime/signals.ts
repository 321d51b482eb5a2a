/**
 * Stopping on a signal without losing work. The first SIGINT (Ctrl-C), SIGTERM (`kill`, `timeout`) or
 * SIGHUP (a closed terminal) asks the running job to stop after its current step. Copies of a signal
 * arriving within a second of the first are ignored: Ctrl-C reaches every process of the terminal's
 * group, and npm relays it once more, so one keypress can arrive two or three times. A signal after that
 * second quits at once. Exit codes are 128 + the signal's number, as a shell reports a killed process.
 */
import * as os from 'os';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** How long a repeated signal counts as the same request relayed again. */
const RELAY_MS = 1000;

export interface StopListener {
  /** True once a stop signal has arrived. */
  stopping(): boolean;
  /** The first signal that arrived. */
  signal(): StopSignal | undefined;
  /** 128 + the first signal's number (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP); 0 before any. */
  exitCode(): number;
  /** Removes the handlers. */
  dispose(): void;
}

export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + os.constants.signals[signal];
}

/** A child's exit as a shell reports it: its code, or 128 + the number of the signal that ended it. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? (signal ? signalExitCode(signal) : 128);
}

/**
 * Listens for the stop signals: `onStop` runs on the first, `onForce` on one arriving more than a second
 * later (the default quits with the first signal's exit code).
 */
export function listenForStop(options: { onStop?: (s: StopSignal) => void; onForce?: (s: StopSignal) => void } = {}): StopListener {
  let first: StopSignal | undefined;
  let at = 0;
  const handler = (s: StopSignal) => {
    if (first === undefined) {
      first = s;
      at = Date.now();
      options.onStop?.(s);
    } else if (Date.now() - at > RELAY_MS) {
      if (options.onForce) options.onForce(s);
      else process.exit(signalExitCode(first));
    }
  };
  for (const s of STOP_SIGNALS) process.on(s, handler);
  return {
    stopping: () => first !== undefined,
    signal: () => first,
    exitCode: () => (first === undefined ? 0 : signalExitCode(first)),
    dispose: () => {
      for (const s of STOP_SIGNALS) process.off(s, handler);
    },
  };
}

/**
 * Makes SIGINT a stop request for the duration of a long job in a notebook kernel. tslab's own handler
 * (Kernel > Interrupt) abandons the cell's promise while the job runs on, so the result is lost and the
 * orphaned job slows the next cell: its handlers are set aside until `restore()`, and the job, polling
 * `stopping()`, ends with what it finished and the cell completes normally.
 */
export function takeOverInterrupt(): { stopping: () => boolean; restore: () => void } {
  const previous = process.listeners('SIGINT');
  let stop = false;
  const handler = () => (stop = true);
  process.removeAllListeners('SIGINT');
  process.on('SIGINT', handler);
  return {
    stopping: () => stop,
    restore: () => {
      process.off('SIGINT', handler);
      for (const l of previous) process.on('SIGINT', l as NodeJS.SignalsListener);
    },
  };
}
