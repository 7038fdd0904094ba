/**
 * Saved column sets of the pages table ("Content audit": title, description, h1...), kept in this
 * browser (localStorage) under a name. A set is a list of column keys, applied through the address
 * (`cols`), so a chosen set is also shareable as a link.
 */
export interface ColumnSet {
  name: string;
  columns: string[];
}

const KEY = "seo.pages.columnSets";
const MAX_SETS = 20;

export function loadColumnSets(): ColumnSet[] {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(KEY) ?? "[]");
    if (!Array.isArray(raw)) return [];
    return raw
      .filter((s): s is ColumnSet => typeof s?.name === "string" && Array.isArray(s.columns) && s.columns.every((c: unknown) => typeof c === "string"))
      .slice(0, MAX_SETS);
  } catch {
    return []; // storage disabled or garbage: no saved sets
  }
}

/** Save (or replace, by name) a set; returns the sets as stored. */
export function saveColumnSet(sets: ColumnSet[], name: string, columns: string[]): ColumnSet[] {
  const clean = name.trim().slice(0, 60);
  if (!clean) return sets;
  const next = [...sets.filter((s) => s.name !== clean), { name: clean, columns }].slice(-MAX_SETS);
  store(next);
  return next;
}

export function deleteColumnSet(sets: ColumnSet[], name: string): ColumnSet[] {
  const next = sets.filter((s) => s.name !== name);
  store(next);
  return next;
}

function store(sets: ColumnSet[]): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(sets));
  } catch {
    // storage full or disabled: the set lives for this visit only
  }
}
