/** A binary heap of numbers ordered by `before(a, b)` (true when a comes out first). */
export class Heap {
  private items: number[] = []

  constructor(private readonly before: (a: number, b: number) => boolean) {}

  get size() {
    return this.items.length
  }

  push(value: number) {
    const items = this.items
    items.push(value)
    let index = items.length - 1
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (!this.before(items[index], items[parent])) break
      ;[items[index], items[parent]] = [items[parent], items[index]]
      index = parent
    }
  }

  pop(): number | undefined {
    const items = this.items
    if (items.length === 0) return undefined
    const top = items[0]
    const last = items.pop()!
    if (items.length > 0) {
      items[0] = last
      let index = 0
      for (;;) {
        const left = index * 2 + 1
        const right = left + 1
        let best = index
        if (left < items.length && this.before(items[left], items[best])) best = left
        if (right < items.length && this.before(items[right], items[best])) best = right
        if (best === index) break
        ;[items[index], items[best]] = [items[best], items[index]]
        index = best
      }
    }
    return top
  }
}
