// `images`: which images to show and what Docker's daemon says about each (daemon/images/images.go).
import type { Engine } from "../engine.js";
import type { ImageRecord } from "../../store/image-store.js";
import { readImage, imageSize } from "./read-image.js";
import { InvalidArgumentError } from "../../errors.js";
import { familiarString, parseReference } from "../../image/reference.js";
import { globMatch } from "../glob.js";
import { matchesAllLabels } from "../label-filter.js";

export interface ImageSummary {
  id: string;
  parentId: string;
  repoTags: string[];
  repoDigests: string[];
  created: Date;
  size: number;
  sharedSize: number;
  labels: Record<string, string>;
  containers: number;
}

export type Filters = Map<string, string[]>;

const IMAGE_FILTERS = new Set(["dangling", "label", "before", "since", "reference"]);

/** `key=value` flags to a filter map, refusing keys Docker does not know with its message. */
export function parseFilters(flags: readonly string[], allowed: ReadonlySet<string> = IMAGE_FILTERS): Filters {
  const filters: Filters = new Map();
  for (const flag of flags) {
    const eq = flag.indexOf("=");
    if (eq < 0) throw new InvalidArgumentError(`bad format of filter (expected name=value)`);
    const key = flag.slice(0, eq).trim().toLowerCase();
    if (!allowed.has(key)) throw new InvalidArgumentError(`Invalid filter '${key}'`);
    filters.set(key, [...(filters.get(key) ?? []), flag.slice(eq + 1)]);
  }
  return filters;
}

export function listImages(engine: Engine, opts: { all?: boolean; filters?: Filters } = {}): ImageSummary[] {
  const { store } = engine;
  const filters = opts.filters ?? new Map<string, string[]>();
  const dangling = filters.get("dangling")?.map(parseDanglingValue);
  const danglingOnly = dangling?.includes(true) ?? false;
  const before = filters.get("before")?.map((r) => store.images.resolve(r));
  const since = filters.get("since")?.map((r) => store.images.resolve(r));
  const references = filters.get("reference");
  const labels = filters.get("label");

  const records = store.images.list();
  const parents = new Set(records.map((r) => r.parent).filter((p): p is NonNullable<typeof p> => p !== null));
  const summaries: ImageSummary[] = [];
  for (const record of records) {
    const created = new Date(record.created);
    if (before?.some((b) => created >= new Date(b.created))) continue;
    if (since?.some((s) => created <= new Date(s.created))) continue;
    const image = readImage(store, record);
    const imageLabels = image.config.config?.Labels ?? {};
    if (!matchesAllLabels(imageLabels, labels)) continue;

    let repoTags = record.names.filter((n) => !n.includes("@")).map((n) => familiarString(parseReference(n)));
    let repoDigests = record.names.filter((n) => n.includes("@")).map((n) => familiarString(parseReference(n)));
    if (references) {
      repoTags = repoTags.filter((t) => references.some((pattern) => referenceMatches(t, pattern)));
      repoDigests = repoDigests.filter((t) => references.some((pattern) => referenceMatches(t, pattern)));
    }
    if (record.names.length === 0) {
      if (!(opts.all || !parents.has(record.id))) continue;
      if (dangling && !danglingOnly) continue;
      if (references) continue;
      repoTags = ["<none>:<none>"];
      repoDigests = ["<none>@<none>"];
    } else {
      if (danglingOnly) continue;
      if (references && repoTags.length === 0 && repoDigests.length === 0) continue;
    }
    summaries.push(summarize(record, image.config.config?.Labels ?? {}, imageSize(image), repoTags, repoDigests));
  }
  return summaries.sort((a, b) => b.created.getTime() - a.created.getTime());
}

function summarize(
  record: ImageRecord,
  labels: Record<string, string>,
  size: number,
  repoTags: string[],
  repoDigests: string[],
): ImageSummary {
  return {
    id: record.id,
    parentId: record.parent ?? "",
    repoTags,
    repoDigests,
    created: new Date(record.created),
    size,
    sharedSize: -1,
    labels,
    containers: -1,
  };
}

function parseDanglingValue(value: string): boolean {
  const v = value.toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new InvalidArgumentError(`Invalid filter 'dangling=[${value}]'`);
}

/** Docker matches the pattern against the familiar name, and against name:tag when the pattern has a tag. */
function referenceMatches(familiar: string, pattern: string): boolean {
  const at = familiar.search(/[:@][^/]*$/);
  const name = at < 0 ? familiar : familiar.slice(0, at);
  return globMatch(pattern, familiar) || globMatch(pattern, name);
}
