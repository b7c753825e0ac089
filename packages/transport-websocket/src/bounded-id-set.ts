/** A set of numbers that forgets its oldest entries beyond `capacity`. */
export class BoundedIdSet {
  private readonly ids = new Set<number>();

  constructor(private readonly capacity: number) {}

  add(id: number): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }
}
