// Rows handed out by renderList: docker formats them through structs, so an unknown field is an
// error and their JSON is docker's MarshalJSON map.

import { compareGoStrings, isPlainObject } from "./values.js";

/** Rows handed out by renderList: docker formats them as structs whose JSON is its MarshalJSON map. */
export const ROW_CONTEXTS = new WeakMap<object, { structType: string | undefined }>();

/** Docker formats rows through a struct whose JSON is a sorted map; a plain row is copied in that order. */
export function rowContext(row: Record<string, unknown>, structType: string | undefined): object {
  const context = isPlainObject(row) ? Object.fromEntries(Object.entries(row).sort(([a], [b]) => compareGoStrings(a, b))) : row;
  ROW_CONTEXTS.set(context, { structType });
  return context;
}
