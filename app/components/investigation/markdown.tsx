// Markdown that the server already rendered to safe HTML (app/investigations/markdown.server.ts):
// raw HTML escaped, links only to http(s) and mailto, mentions as <span class="mention">.

const PROSE = [
  'break-words text-sm leading-relaxed',
  '[&_p]:my-2 first:[&_p]:mt-0 last:[&_p]:mb-0',
  '[&_a]:text-indigo-600 [&_a]:underline dark:[&_a]:text-indigo-400',
  '[&_ul]:my-2 [&_ul]:list-disc [&_ul]:pl-5 [&_ol]:my-2 [&_ol]:list-decimal [&_ol]:pl-5',
  '[&_h1]:mt-3 [&_h1]:font-semibold [&_h2]:mt-3 [&_h2]:font-semibold [&_h3]:mt-3 [&_h3]:font-semibold',
  '[&_code]:rounded [&_code]:bg-zinc-100 [&_code]:px-1 [&_code]:font-mono [&_code]:text-xs dark:[&_code]:bg-zinc-800',
  '[&_pre]:my-2 [&_pre]:overflow-auto [&_pre]:rounded [&_pre]:bg-zinc-100 [&_pre]:p-2 dark:[&_pre]:bg-zinc-800 [&_pre_code]:bg-transparent [&_pre_code]:p-0',
  '[&_blockquote]:border-l-2 [&_blockquote]:border-zinc-300 [&_blockquote]:pl-3 [&_blockquote]:text-zinc-600 dark:[&_blockquote]:border-zinc-700 dark:[&_blockquote]:text-zinc-400',
  '[&_table]:my-2 [&_td]:border [&_td]:px-2 [&_th]:border [&_th]:px-2 [&_td]:border-zinc-200 [&_th]:border-zinc-200 dark:[&_td]:border-zinc-700 dark:[&_th]:border-zinc-700',
  '[&_.mention]:rounded [&_.mention]:bg-indigo-100 [&_.mention]:px-1 [&_.mention]:font-medium [&_.mention]:text-indigo-800 dark:[&_.mention]:bg-indigo-950 dark:[&_.mention]:text-indigo-200',
].join(' ')

/** Server-rendered, sanitised Markdown. Never pass anything else. */
export function RenderedMarkdown({ html, className = '' }: { html: string; className?: string }) {
  return <div className={`${PROSE} ${className}`} dangerouslySetInnerHTML={{ __html: html }} />
}
