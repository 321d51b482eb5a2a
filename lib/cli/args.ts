/**
 * The command lines' one argument parser and its value checks, shared by the experiment CLI and the
 * benchmark. Flags are declared in a table (name, kind of value, help); `parseFlags` reads `--flag value`
 * and `--flag=value`, and every bad argument becomes a `UsageError` that names the flag and what it accepts.
 */

/** A bad command line: the message says what was wrong and what is accepted (empty for --help). */
export class UsageError extends Error {}

export type Flag =
  /** A whole number ≥ min. */
  | { kind: 'whole'; min: number; help: string }
  /** A finite number > 0. */
  | { kind: 'positive'; help: string }
  /** One of a fixed list of words. */
  | { kind: 'choice'; choices: readonly string[]; help: string }
  /** Any non-empty text (a file name, a label); `meta` names it in the usage. */
  | { kind: 'text'; meta: string; help: string }
  /** Text that may be left out: the flag alone gives '-'. */
  | { kind: 'optional-text'; meta: string; help: string }
  /** A switch, no value. */
  | { kind: 'switch'; help: string };

export type Flags = Record<string, Flag>;
export type Parsed<F extends Flags> = {
  [K in keyof F]?: F[K] extends { kind: 'whole' | 'positive' } ? number : F[K] extends { kind: 'switch' } ? boolean : string;
};

export function wholeNumber(flag: string, text: string, min: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) throw new UsageError(`--${flag} must be a whole number ≥ ${min}, got "${text}"`);
  return Number(text);
}

export function positiveNumber(flag: string, text: string): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x) || x <= 0) throw new UsageError(`--${flag} must be a number > 0, got "${text}"`);
  return x;
}

export function choice(flag: string, text: string, choices: readonly string[]): string {
  if (!choices.includes(text)) throw new UsageError(`--${flag} must be one of ${choices.join(', ')}, got "${text}"`);
  return text;
}

function valueOf(name: string, flag: Flag, text: string): string | number {
  switch (flag.kind) {
    case 'whole':
      return wholeNumber(name, text, flag.min);
    case 'positive':
      return positiveNumber(name, text);
    case 'choice':
      return choice(name, text, flag.choices);
    default:
      if (text.trim() === '') throw new UsageError(`--${name} needs ${flag.kind === 'switch' ? 'no value' : `a ${(flag as { meta: string }).meta}`}, got ""`);
      return text;
  }
}

/**
 * Reads `argv` against the flag table: `--name value`, `--name=value` (a value may start with '-',
 * so `--lr -1` is read and then refused by the flag's own check), switches alone, `-h`/`--help`
 * (a UsageError with an empty message), and the positionals in order.
 */
export function parseFlags<F extends Flags>(argv: readonly string[], flags: F): { values: Parsed<F>; positionals: string[] } {
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') throw new UsageError('');
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg.length > 1) throw new UsageError(`unknown option "${arg}"`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const flag = flags[name];
    if (!flag) throw new UsageError(`unknown option "--${name}"`);
    if (name in values) throw new UsageError(`--${name} is given twice`);
    if (flag.kind === 'switch') {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      values[name] = true;
    } else if (eq > 0) {
      values[name] = valueOf(name, flag, arg.slice(eq + 1));
    } else if (flag.kind === 'optional-text') {
      const next = argv[i + 1];
      values[name] = next !== undefined && !next.startsWith('-') ? argv[++i] : '-';
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      values[name] = valueOf(name, flag, argv[++i]);
    }
  }
  return { values: values as Parsed<F>, positionals };
}

/** The usage text: the command line, then one line per flag with its value and help. */
export function usageText(command: string, flags: Flags, extra: string[] = []): string {
  const lines = Object.entries(flags).map(([name, f]) => {
    const value = f.kind === 'whole' ? ' N' : f.kind === 'positive' ? ' X' : f.kind === 'choice' ? ` ${f.choices.join('|')}`
      : f.kind === 'text' ? ` ${f.meta}` : f.kind === 'optional-text' ? ` [${f.meta}]` : '';
    return [`  --${name}${value}`, f.help];
  });
  const width = Math.max(...lines.map(([l]) => l.length)) + 2;
  return [`usage: ${command}`, ...extra, ...lines.map(([l, h]) => l.padEnd(width) + h)].join('\n');
}
