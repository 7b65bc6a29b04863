import type { BenchRow } from './types'

type Row = BenchRow & { benchmark: string }

interface Column {
  title: string
  align: 'left' | 'right'
  cell: (row: Row) => string
}

/** Three significant figures or so: enough to read, few enough to compare by eye. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return ''
  const size = Math.abs(value)
  if (size >= 100) return Math.round(value).toString()
  if (size >= 10) return value.toFixed(1)
  return value.toFixed(2)
}

const COLUMNS: Column[] = [
  { title: 'benchmark', align: 'left', cell: (row) => row.benchmark },
  { title: 'case', align: 'left', cell: (row) => row.case },
  { title: 'req/s', align: 'right', cell: (row) => formatNumber(row.reqPerSec) },
  { title: '× base', align: 'right', cell: (row) => (row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`) },
  { title: 'p50', align: 'right', cell: (row) => formatNumber(row.p50) },
  { title: 'p99', align: 'right', cell: (row) => formatNumber(row.p99) },
  { title: 'mean', align: 'right', cell: (row) => formatNumber(row.mean) },
  { title: 'unit', align: 'left', cell: (row) => row.unit ?? '' },
  { title: 'n', align: 'right', cell: (row) => String(row.n) },
  { title: 'check', align: 'left', cell: (row) => row.check ?? '' },
  { title: 'note', align: 'left', cell: (row) => row.note ?? '' },
]

/** Plain-text table lines, columns padded to their widest cell; a blank line between benchmarks. */
export function formatTable(rows: Row[]): string[] {
  const cells = rows.map((row) => COLUMNS.map((column) => column.cell(row)))
  // Columns empty in every row are left out.
  const shown = COLUMNS.map((_, index) => index).filter(
    (index) => index < 2 || cells.some((line) => line[index] !== ''),
  )
  const width = (index: number) =>
    Math.max(COLUMNS[index].title.length, ...cells.map((line) => [...line[index]].length))
  const widths = new Map(shown.map((index) => [index, width(index)]))
  const pad = (text: string, index: number) => {
    const fill = ' '.repeat((widths.get(index) ?? 0) - [...text].length)
    return COLUMNS[index].align === 'right' ? fill + text : text + fill
  }
  const render = (line: string[]) =>
    shown
      .map((index) => pad(line[index], index))
      .join('  ')
      .trimEnd()
  const lines = [
    render(COLUMNS.map((column) => column.title)),
    shown.map((index) => '-'.repeat(widths.get(index) ?? 0)).join('  '),
  ]
  rows.forEach((row, index) => {
    if (index > 0 && rows[index - 1].benchmark !== row.benchmark) lines.push('')
    lines.push(render(cells[index]))
  })
  return lines
}
