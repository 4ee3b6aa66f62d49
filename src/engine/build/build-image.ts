// `build`: a Dockerfile built on berth's own engine. (Skeleton: the builder lands on main.)
import type { Engine } from "../engine.js";
import type { BuildRequest, BuildResult } from "./build-request.js";
import { NotImplementedError } from "../../errors.js";

export async function buildImage(_engine: Engine, _req: BuildRequest): Promise<BuildResult> {
  throw new NotImplementedError("build is being wired");
}
