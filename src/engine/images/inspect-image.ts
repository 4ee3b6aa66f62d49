// `image inspect`: Docker's ImageInspect JSON, field for field (API 1.41).
import type { Engine } from "../engine.js";
import { readImage, imageSize } from "./read-image.js";
import { canonicalContainerConfig, type ContainerConfig } from "../../image/config.js";
import { familiarString, parseReference } from "../../image/reference.js";

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Container: string;
  ContainerConfig: ContainerConfig;
  DockerVersion: string;
  Author: string;
  Config: ContainerConfig;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  VirtualSize: number;
  GraphDriver: { Data: Record<string, string>; Name: string };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

export function inspectImage(engine: Engine, ref: string): ImageInspect {
  const { store } = engine;
  const record = store.images.resolve(ref);
  const image = readImage(store, record);
  const { config } = image;
  const names = record.names.map((n) => familiarString(parseReference(n)));
  const size = imageSize(image);
  const top = image.layers[image.layers.length - 1];
  const diffDirs = image.layers.map((l) => store.layers.diffPath(l)).reverse();
  const data: Record<string, string> = {};
  if (diffDirs.length > 1) data.LowerDir = diffDirs.slice(1).join(":");
  if (top) {
    data.MergedDir = `${store.layers.dir}/${top.dir}/merged`;
    data.UpperDir = diffDirs[0]!;
    data.WorkDir = `${store.layers.dir}/${top.dir}/work`;
  }
  const result: ImageInspect = {
    Id: record.id,
    RepoTags: names.filter((n) => !n.includes("@")),
    RepoDigests: names.filter((n) => n.includes("@")),
    Parent: record.parent ?? "",
    Comment: config.comment ?? "",
    Created: config.created ?? "0001-01-01T00:00:00Z",
    Container: config.container ?? "",
    ContainerConfig: canonicalContainerConfig(config.container_config),
    DockerVersion: config.docker_version ?? "",
    Author: config.author ?? "",
    Config: canonicalContainerConfig(config.config),
    Architecture: config.architecture,
    Os: config.os,
    Size: size,
    VirtualSize: size,
    GraphDriver: { Data: data, Name: "overlay2" },
    RootFS: { Type: config.rootfs.type, Layers: [...config.rootfs.diff_ids] },
    Metadata: { LastTagTime: record.lastTagTime ?? "0001-01-01T00:00:00Z" },
  };
  if (config.variant) {
    // Go's struct order puts Variant between Architecture and Os.
    return reorder(result, config.variant);
  }
  return result;
}

function reorder(result: ImageInspect, variant: string): ImageInspect {
  const entries = Object.entries(result);
  const at = entries.findIndex(([k]) => k === "Os");
  entries.splice(at, 0, ["Variant", variant]);
  return Object.fromEntries(entries) as unknown as ImageInspect;
}
