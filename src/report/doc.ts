// A short document (headings, lines, tables, lists, a folded section, a small print line) that
// renders as Markdown for a pull request or a file, and as plain aligned text for a terminal.
// The commands that print a verdict or a table build one and pick the renderer by --format.
import { escapeMarkdown } from './escape.ts';
import { markdownTable } from './markdown.ts';
import type { Table } from './tables.ts';
import { textTable } from './text-table.ts';

/** A run of text: plain, code (`run ids`, file names), strong, or text that Markdown must escape. */
export type Inline = string | { code: string } | { strong: string } | { escape: string };

export type Block =
  | { kind: 'heading'; text: Inline[] }
  /** Lines of one paragraph, each kept on its own line. */
  | { kind: 'lines'; lines: Inline[][] }
  | { kind: 'table'; table: Table }
  | { kind: 'list'; title: Inline[]; items: Inline[][] }
  /** Folded in Markdown (<details>), a titled section in text. */
  | { kind: 'details'; summary: string; blocks: Block[] }
  /** Small print (<sub>) at the end. */
  | { kind: 'small'; text: Inline[] };

/** How a command prints: plain text by default, wherever stdout goes; Markdown when asked. */
export type OutputFormat = 'text' | 'markdown';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'markdown'];

const mdInline = (xs: Inline[]) =>
  xs
    .map((x) => (typeof x === 'string' ? x : 'code' in x ? `\`${x.code}\`` : 'strong' in x ? `**${x.strong}**` : escapeMarkdown(x.escape)))
    .join('');
const textInline = (xs: Inline[]) =>
  xs.map((x) => (typeof x === 'string' ? x : 'code' in x ? x.code : 'strong' in x ? x.strong : x.escape)).join('');

function mdBlock(b: Block): string[] {
  switch (b.kind) {
    case 'heading':
      return [`### ${mdInline(b.text)}`];
    case 'lines':
      return b.lines.map(mdInline);
    case 'table':
      return [markdownTable(b.table)];
    case 'list':
      return [mdInline(b.title), '', ...b.items.map((i) => `- ${mdInline(i)}`)];
    case 'details':
      return [`<details><summary>${b.summary}</summary>`, '', ...b.blocks.flatMap((x) => [...mdBlock(x), '']), '</details>'];
    case 'small':
      return [`<sub>${mdInline(b.text)}</sub>`];
  }
}

function textBlock(b: Block): string[] {
  switch (b.kind) {
    case 'heading': {
      const t = textInline(b.text);
      return [t, '═'.repeat(Math.min(t.length, 100))];
    }
    case 'lines':
      return b.lines.map(textInline);
    case 'table':
      return [textTable(b.table.columns, b.table.rows, b.table.numeric)];
    case 'list':
      return [textInline(b.title), ...b.items.map((i) => `  - ${textInline(i)}`)];
    case 'details':
      return [`${b.summary}:`, '', ...b.blocks.flatMap((x, i) => [...(i ? [''] : []), ...textBlock(x)])];
    case 'small':
      return [textInline(b.text)];
  }
}

/** The document as Markdown: blocks apart by a blank line. */
export function docMarkdown(blocks: readonly Block[]): string {
  return blocks.flatMap((b, i) => [...(i ? [''] : []), ...mdBlock(b)]).join('\n');
}

/** The document as plain text for a terminal: no Markdown markup, tables aligned in columns. */
export function docText(blocks: readonly Block[]): string {
  return blocks.flatMap((b, i) => [...(i ? [''] : []), ...textBlock(b)]).join('\n');
}

export function renderDoc(blocks: readonly Block[], format: OutputFormat): string {
  return format === 'markdown' ? docMarkdown(blocks) : docText(blocks);
}
