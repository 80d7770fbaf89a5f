import { VALIDATION_CODES } from '@conclave/schema';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** D5: the error reference each 422 item's `url` points at (`/docs/errors#<code>`). */
export function errorReferenceHtml(): string {
  const rows = Object.entries(VALIDATION_CODES)
    .map(
      ([code, message]) =>
        `<section id="${code}"><h2><code>${code}</code></h2><p>${escape(message)}</p></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Conclave error reference</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
code{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px}section{border-top:1px solid #ddd}</style>
</head><body>
<h1>Conclave error reference</h1>
<p>A request that fails validation gets <code>422</code> with a body
<code>{"errors":[{"type":"validation_error","code","message","attribute","url"}]}</code>, one item
per failing field. Each code below is the <code>code</code> of such an item.</p>
<p>Other failures get <code>{"error":"&lt;reason phrase&gt;"}</code>: 400 for a body that is not
JSON or not an object, 401 for missing or wrong credentials, 403 for a token without the
<code>video</code> scope, 404 for anything that does not exist in your project, 413 for a body over
1 MiB, 429 when over the rate limit, 503 when the database cannot be reached.</p>
${rows}
</body></html>`;
}
