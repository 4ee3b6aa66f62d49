// The documents the page reads: berth's GET /berth/layers, and the Docker API's shapes it uses.
export interface GraphImage {
  Id: string;
  RepoTags: string[];
  /** Chain IDs, base first. */
  Layers: string[];
  Size: number;
  WastedBytes: number;
  Created: string;
}

export interface GraphLayer {
  ChainId: string;
  DiffId: string;
  Parent: string | null;
  Depth: number;
  Size: number;
  CreatedBy: string;
  Comment: string;
  Created: string;
  TopOf: string[];
  UsedBy: string[];
  /** Image ID → this layer's share of that image's wasted bytes. */
  WastedBytes: Record<string, number>;
}

export interface LayerGraphDoc {
  Images: GraphImage[];
  Layers: GraphLayer[];
}

export interface LayerChangeDoc {
  Kind: "A" | "C" | "D";
  Path: string;
  Size: number;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  State: string;
  Status: string;
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Image: string;
  Created: string;
  State: { Status: string; Running: boolean; ExitCode: number; StartedAt: string; FinishedAt: string };
  Config: { Tty: boolean; Image: string; Cmd: string[] | null; Entrypoint: string[] | null; Env: string[] | null };
}

export interface HistoryRow {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  Created: string;
  Author: string;
  Comment: string;
  Size: number;
  Config: {
    Env?: string[] | null;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    WorkingDir?: string;
    User?: string;
    ExposedPorts?: Record<string, unknown> | null;
    Labels?: Record<string, string> | null;
  } | null;
}

export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}

export type Selection = { kind: "image"; id: string } | { kind: "layer"; chainId: string } | { kind: "container"; id: string } | null;

/** What the panels may ask of the page. */
export interface App {
  graph(): LayerGraphDoc;
  select(selection: Selection): void;
  refresh(): void;
  toast(message: string, kind?: "ok" | "error"): void;
}
