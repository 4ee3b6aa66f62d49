// The HostConfig a build gives its RUN steps' containers: dockerd's classic builder makes it from
// the build's options (builder/dockerfile hostConfigFromOptions) for every step container, so a
// RUN sees `-m`, `-c`, `--cpuset-cpus`... as `run` with those flags would. The values are checked
// here once, before any step, with the words `run`'s create answers (resource-checks.ts).
import { InvalidArgumentError } from "../../errors.js";
import { checkResources } from "../containers/resource-checks.js";
import type { HostConfig } from "../../store/container-store.js";

type StepHostField =
  | "Memory"
  | "MemorySwap"
  | "CpuShares"
  | "CpuPeriod"
  | "CpuQuota"
  | "CpusetCpus"
  | "CpusetMems"
  | "CgroupParent"
  | "SecurityOpt"
  | "Isolation";

/** The build options that become the step containers' HostConfig, under Docker's names. */
export type BuildStepHost = Readonly<Partial<Pick<HostConfig, StepHostField>>>;

/**
 * POST /build's own refusal of an isolation other than the default (measured on dockerd 20.10:
 * 400 `Unsupported isolation: "hyperv"`, before the body is read); "" and "default" (any case) pass.
 */
export function checkBuildIsolation(isolation: string): void {
  if (isolation !== "" && isolation.toLowerCase() !== "default") {
    throw new InvalidArgumentError(`Unsupported isolation: ${JSON.stringify(isolation)}`);
  }
}

/** Throws InvalidArgumentError as `run` would for the same limits (`Minimum memory limit allowed is 6MB`...). */
export function checkBuildStepHost(host: BuildStepHost): void {
  checkBuildIsolation(host.Isolation ?? "");
  checkResources(host, { update: false });
}

/** The step container's HostConfig fields: what was not asked is Docker's zero. */
export function stepHostConfig(host: BuildStepHost | undefined): Required<Pick<HostConfig, StepHostField>> {
  return {
    Memory: host?.Memory ?? 0,
    MemorySwap: host?.MemorySwap ?? 0,
    CpuShares: host?.CpuShares ?? 0,
    CpuPeriod: host?.CpuPeriod ?? 0,
    CpuQuota: host?.CpuQuota ?? 0,
    CpusetCpus: host?.CpusetCpus ?? "",
    CpusetMems: host?.CpusetMems ?? "",
    CgroupParent: host?.CgroupParent ?? "",
    SecurityOpt: host?.SecurityOpt?.length ? [...host.SecurityOpt] : null,
    Isolation: host?.Isolation ?? "",
  };
}
