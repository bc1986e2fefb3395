/** A min-heap of timed events; ties break by insertion order so runs are deterministic. */
export interface TimedEvent {
  timeMs: number;
  sequence: number;
  fire: () => void;
}

export class EventQueue {
  private heap: TimedEvent[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.heap.length;
  }

  push(timeMs: number, fire: () => void): TimedEvent {
    const event = { timeMs, sequence: this.nextSequence++, fire };
    this.heap.push(event);
    this.up(this.heap.length - 1);
    return event;
  }

  pop(): TimedEvent | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private less(a: TimedEvent, b: TimedEvent): boolean {
    return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.sequence < b.sequence);
  }
  private up(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(this.heap[index]!, this.heap[parent]!)) return;
      [this.heap[index], this.heap[parent]] = [this.heap[parent]!, this.heap[index]!];
      index = parent;
    }
  }
  private down(index: number): void {
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.heap.length && this.less(this.heap[left]!, this.heap[smallest]!)) smallest = left;
      if (right < this.heap.length && this.less(this.heap[right]!, this.heap[smallest]!)) smallest = right;
      if (smallest === index) return;
      [this.heap[index], this.heap[smallest]] = [this.heap[smallest]!, this.heap[index]!];
      index = smallest;
    }
  }
}
