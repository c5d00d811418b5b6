/** `current` plus `add`, order kept, never dropping a grant; `changed` when something was added. Pure. */
export function mergeGrants(current: readonly string[], add: readonly string[]): { ids: string[]; changed: boolean } {
  const ids = [...current];
  for (const id of add) if (!ids.includes(id)) ids.push(id);
  return { ids, changed: ids.length !== current.length };
}
