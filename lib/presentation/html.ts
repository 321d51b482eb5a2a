/** Escaping for the HTML that notebooks and reports show. */

/** An ISO 8601 time to the minute, as pages show it: "2026-11-24 22:11". */
export function minuteStamp(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

/** Makes `text` safe inside an inline <script>. */
export function escapeScript(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const SUPERSCRIPT: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻', '−': '⁻', '+': '⁺', '.': '·',
};

/**
 * A number as Unicode superscript ("-6.2" → "⁻⁶·²"), for exponents in markdown outputs: Jupyter shows
 * an untrusted notebook's markdown with its HTML escaped, so 10<sup>-6</sup> would appear tag and all.
 */
export function superscript(text: string): string {
  return Array.from(text, (c) => SUPERSCRIPT[c] ?? c).join('');
}
