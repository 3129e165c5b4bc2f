import { type ListKeyOptions, RecordManager, type UpdateOptions } from '@langchain/core/indexing'

/** The record manager of LangChain's `index()`, kept in memory; @langchain/core ships only the interface. */
export class MemoryRecordManager extends RecordManager {
  override lc_namespace: string[] = ['numarkdown', 'test', 'record_manager']
  readonly records = new Map<string, { updatedAt: number; groupId: string | null }>()
  #clock = 0

  async createSchema(): Promise<void> {}

  async getTime(): Promise<number> {
    this.#clock += 1
    return this.#clock
  }

  async update(keys: string[], options: UpdateOptions = {}): Promise<void> {
    const { groupIds, timeAtLeast } = options
    if (groupIds !== undefined && groupIds.length !== keys.length) {
      throw new Error('Number of keys does not match number of groupIds')
    }
    const now = await this.getTime()
    if (timeAtLeast !== undefined && now < timeAtLeast) throw new Error('Time went backwards')
    for (const [index, key] of keys.entries()) {
      this.records.set(key, { updatedAt: now, groupId: groupIds?.[index] ?? null })
    }
  }

  async exists(keys: string[]): Promise<boolean[]> {
    return keys.map((key) => this.records.has(key))
  }

  async listKeys(options: ListKeyOptions = {}): Promise<string[]> {
    const { before, after, groupIds, limit } = options
    const keys = [...this.records.entries()]
      .filter(
        ([, record]) =>
          (before === undefined || record.updatedAt < before) &&
          (after === undefined || record.updatedAt > after) &&
          (groupIds === undefined || groupIds.includes(record.groupId)),
      )
      .map(([key]) => key)
    return limit === undefined ? keys : keys.slice(0, limit)
  }

  async deleteKeys(keys: string[]): Promise<void> {
    for (const key of keys) this.records.delete(key)
  }
}
