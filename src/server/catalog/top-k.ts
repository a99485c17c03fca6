/** Keeps the k best slots by key without sorting every candidate. */
export class TopK {
  readonly #capacity: number;
  #keys: Float64Array;
  #slots: Int32Array;
  #size = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
    const initial = Math.min(capacity, 64);
    this.#keys = new Float64Array(initial);
    this.#slots = new Int32Array(initial);
  }

  offer(slot: number, key: number): void {
    if (this.#size < this.#capacity) {
      if (this.#size === this.#keys.length) this.#grow();
      // Sift up in a min-heap: the root is the worst of the kept slots.
      let i = this.#size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.#keys[parent]! <= key) break;
        this.#keys[i] = this.#keys[parent]!;
        this.#slots[i] = this.#slots[parent]!;
        i = parent;
      }
      this.#keys[i] = key;
      this.#slots[i] = slot;
    } else if (key > this.#keys[0]!) {
      this.#siftDown(slot, key);
    }
  }

  /** The kept slots, best first. */
  sortedSlots(): number[] {
    const order = Array.from({ length: this.#size }, (_, i) => i);
    order.sort((a, b) => this.#keys[b]! - this.#keys[a]!);
    return order.map((i) => this.#slots[i]!);
  }

  #siftDown(slot: number, key: number): void {
    const keys = this.#keys;
    const slots = this.#slots;
    const size = this.#size;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && keys[right]! < keys[left]! ? right : left;
      if (keys[child]! >= key) break;
      keys[i] = keys[child]!;
      slots[i] = slots[child]!;
      i = child;
    }
    keys[i] = key;
    slots[i] = slot;
  }

  #grow(): void {
    const length = Math.min(this.#capacity, this.#keys.length * 2);
    const keys = new Float64Array(length);
    keys.set(this.#keys);
    const slots = new Int32Array(length);
    slots.set(this.#slots);
    this.#keys = keys;
    this.#slots = slots;
  }
}
