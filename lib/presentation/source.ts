/**
 * The library's own code, shown in a notebook: a declaration read from its file when the cell runs,
 * so what the reader sees is what the run executed (a copy pasted into markdown would drift).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { projectRoot } from '../runtime/paths';
import { showMarkdown } from './display';

/** The name a top-level statement declares, if any (`const a = …` declares `a`). */
function declaredName(node: ts.Statement): string | undefined {
  if (ts.isVariableStatement(node)) {
    const d = node.declarationList.declarations[0];
    return ts.isIdentifier(d.name) ? d.name.text : undefined;
  }
  if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return node.name?.text;
  return undefined;
}

/**
 * The text of a declaration in `lib/<file>`, with its doc comment: a top-level function, class,
 * constant, interface or type by name, or a class member as `Class.member`. Throws, naming what the
 * file declares, when there is no such declaration.
 */
export function sourceOf(file: string, name: string): string {
  const full = path.join(projectRoot(), 'lib', file);
  if (!fs.existsSync(full)) throw new Error(`sourceOf: no file lib/${file}`);
  const text = fs.readFileSync(full, 'utf8');
  const sf = ts.createSourceFile(full, text, ts.ScriptTarget.Latest, true);
  const [top, member] = name.split('.');
  const names = sf.statements.map(declaredName).filter((n): n is string => n !== undefined);
  let node: ts.Node | undefined = sf.statements.find((s) => declaredName(s) === top);
  if (node && member) {
    node = ts.isClassDeclaration(node) ? node.members.find((m) => m.name && ts.isIdentifier(m.name) && m.name.text === member) : undefined;
  }
  if (!node) throw new Error(`sourceOf: lib/${file} has no declaration ${name}; it declares ${names.join(', ')}`);
  // getFullText includes the leading doc comment; its first line's indentation is restored, then removed.
  const start = node.getFullStart() + (node.getFullText().length - node.getFullText().trimStart().length);
  const indent = text.slice(text.lastIndexOf('\n', start) + 1, start);
  const lines = (indent + text.slice(start, node.getEnd())).split('\n');
  const strip = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(strip)).join('\n');
}

/** Markdown showing declarations of `lib/<file>` as a TypeScript code block, headed by the file's name. */
export function sourceMarkdown(file: string, ...names: string[]): string {
  return `From \`lib/${file}\`, the code the runs above executed:\n\n\`\`\`ts\n${names.map((n) => sourceOf(file, n)).join('\n\n')}\n\`\`\``;
}

/** Shows declarations of `lib/<file>` in the notebook (e.g. `showSource('network/gradnorm.ts', 'gradNorm')`). */
export function showSource(file: string, ...names: string[]): void {
  showMarkdown(sourceMarkdown(file, ...names));
}
