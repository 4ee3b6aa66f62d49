// The create body's sharing fields (issue 13): VolumesFrom, GroupAdd, Sysctls, Annotations,
// CgroupnsMode, CgroupParent, UsernsMode, ContainerIDFile and StorageOpt, decoded as Go's
// json.Unmarshal decodes them into container.HostConfig; the engine checks their values.
import type { CreateRequest } from "../engine/containers/create-container.js";
import { optionalObject, optionalString, stringList, unmarshal } from "./request-body.js";

const H = "container.HostConfig";

export function shareFields(host: Record<string, unknown>): {
  host: Partial<CreateRequest["host"]>;
  storageOpt: Record<string, string> | undefined;
} {
  const sysctls = stringMap(host, "Sysctls");
  const annotations = stringMap(host, "Annotations");
  return {
    host: {
      VolumesFrom: goStringList(host, "VolumesFrom"),
      GroupAdd: goStringList(host, "GroupAdd"),
      ...(sysctls ? { Sysctls: sysctls } : {}),
      ...(annotations ? { Annotations: annotations } : {}),
      CgroupnsMode: optionalString(host, "CgroupnsMode", H) ?? "",
      CgroupParent: optionalString(host, "CgroupParent", H) ?? "",
      UsernsMode: optionalString(host, "UsernsMode", H) ?? "",
      ContainerIDFile: optionalString(host, "ContainerIDFile", H) ?? "",
    },
    storageOpt: stringMap(host, "StorageOpt"),
  };
}

/** A Go []string (one string alone is a type error, unlike a StrSlice); null when left out. */
function goStringList(body: Record<string, unknown>, key: string): string[] | null {
  if (typeof body[key] === "string") throw unmarshal(body[key], `${H}.${key}`, "[]string");
  const list = stringList(body, key, H);
  return list && list.length ? list : null;
}

/** A Go map[string]string; undefined when left out or empty. */
function stringMap(body: Record<string, unknown>, key: string): Record<string, string> | undefined {
  const map = optionalObject(body, key, H);
  if (!map) return undefined;
  for (const v of Object.values(map)) if (typeof v !== "string") throw unmarshal(v, `${H}.${key}`, "string");
  return Object.keys(map).length ? (map as Record<string, string>) : undefined;
}
