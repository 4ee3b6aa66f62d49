// Seccomp with Docker 20.10's rules (moby v20.10.24 daemon/seccomp_linux.go, profiles/seccomp):
// which profile a container gets, and that profile evaluated for it into the spec's linux.seccomp.
import * as os from "node:os";
import { InvalidArgumentError } from "../../errors.js";
import {
  parseDockerProfile,
  parseKernelVersion,
  readSeccompProfile,
  type DockerSeccompProfile,
  type DockerSyscallRule,
} from "./seccomp-profile.js";
import type { OciSeccomp, OciSyscall } from "./runtime-spec.js";
import type { BuildOciSpecOptions, RuntimeSpecInput } from "./spec-input.js";

export const DEFAULT_SECCOMP_PROFILE_PATH = "/usr/share/containers/seccomp.json";

/** Docker's WithSeccomp: nothing for unconfined or privileged, else the given or default profile. */
export function seccompFor(input: RuntimeSpecInput, capabilities: readonly string[], opts: BuildOciSpecOptions): OciSeccomp | undefined {
  if (input.privileged || input.seccomp.kind === "unconfined") return undefined;
  const profile =
    input.seccomp.kind === "profile" ? input.seccomp.profile : readSeccompProfile(opts.seccompProfilePath ?? DEFAULT_SECCOMP_PROFILE_PATH);
  const ctx: { capabilities: readonly string[]; arch: string; kernelRelease?: string } = {
    capabilities,
    arch: opts.arch ?? process.arch,
  };
  if (opts.kernelRelease !== undefined) ctx.kernelRelease = opts.kernelRelease;
  return dockerSeccompToOci(profile, ctx);
}

/** Node's process.arch → the libseccomp names Docker profiles use in includes/excludes.arches. */
const NODE_TO_NATIVE_ARCH: Readonly<Record<string, string>> = {
  x64: "amd64",
  ia32: "x86",
  arm: "arm",
  arm64: "arm64",
  ppc: "ppc",
  ppc64: "ppc64le",
  s390: "s390",
  s390x: "s390x",
  mips: "mips",
  mipsel: "mipsel",
  mips64el: "mipsel64",
  riscv64: "riscv64",
  loong64: "loong64",
};

/** libseccomp names → SCMP_ARCH_* (profiles/seccomp nativeToSeccomp). */
const NATIVE_TO_SCMP_ARCH: Readonly<Record<string, string>> = {
  x86: "SCMP_ARCH_X86",
  amd64: "SCMP_ARCH_X86_64",
  arm: "SCMP_ARCH_ARM",
  arm64: "SCMP_ARCH_AARCH64",
  mips: "SCMP_ARCH_MIPS",
  mips64: "SCMP_ARCH_MIPS64",
  mips64n32: "SCMP_ARCH_MIPS64N32",
  mipsel64: "SCMP_ARCH_MIPSEL64",
  mips3l64n32: "SCMP_ARCH_MIPSEL64N32",
  mipsel: "SCMP_ARCH_MIPSEL",
  ppc: "SCMP_ARCH_PPC",
  ppc64: "SCMP_ARCH_PPC64",
  ppc64le: "SCMP_ARCH_PPC64LE",
  riscv64: "SCMP_ARCH_RISCV64",
  s390: "SCMP_ARCH_S390",
  s390x: "SCMP_ARCH_S390X",
  loong64: "SCMP_ARCH_LOONGARCH64",
};

/**
 * Evaluates a Docker-format profile for one container, as moby's setupSeccomp does at create time:
 * picks the archMap entry of the host's architecture (plus its sub-architectures), and keeps a
 * syscall rule only if its `includes` all hold (every listed cap in `capabilities`, the arch
 * listed, the kernel at least minKernel) and no `excludes` holds. Returns undefined for a profile
 * with neither a default action nor rules (Docker's "seccomp disabled").
 * `defaultErrnoRet`, `flags` and the listener fields pass through as in moby master; runc ≥ 1.1 reads them.
 */
export function dockerSeccompToOci(
  profile: unknown,
  ctx: { capabilities: readonly string[]; arch: string; kernelRelease?: string },
): OciSeccomp | undefined {
  const p = parseDockerProfile(profile);
  if (p.defaultAction === "" && p.syscalls.length === 0) return undefined;
  const arch = NODE_TO_NATIVE_ARCH[ctx.arch] ?? ctx.arch;
  const kernel = parseKernelVersion(ctx.kernelRelease ?? os.release(), "kernel release");

  const out: OciSeccomp = { defaultAction: p.defaultAction };
  if (p.defaultErrnoRet !== undefined) out.defaultErrnoRet = p.defaultErrnoRet;
  const architectures = seccompArchitectures(p, arch);
  if (architectures.length > 0) out.architectures = architectures;
  if (p.flags !== undefined) out.flags = p.flags;
  if (p.listenerPath !== undefined) out.listenerPath = p.listenerPath;
  if (p.listenerMetadata !== undefined) out.listenerMetadata = p.listenerMetadata;

  const env = { capabilities: ctx.capabilities, arch, kernel };
  out.syscalls = p.syscalls.filter((rule) => ruleApplies(rule, env)).map(toOciSyscall);
  return out;
}

function seccompArchitectures(p: DockerSeccompProfile, arch: string): string[] {
  if (p.architectures && p.archMap) {
    throw new InvalidArgumentError(
      "'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  }
  if (p.architectures) return [...p.architectures];
  const scmp = NATIVE_TO_SCMP_ARCH[arch];
  const entry = p.archMap?.find((a) => a.architecture === scmp);
  // No entry for this arch: leave the list empty and let libseccomp use the native one.
  return entry ? [entry.architecture, ...entry.subArchitectures] : [];
}

function ruleApplies(rule: DockerSyscallRule, env: { capabilities: readonly string[]; arch: string; kernel: [number, number] }): boolean {
  const { includes, excludes } = rule;
  if (excludes.arches.includes(env.arch)) return false;
  if (excludes.caps.some((c) => env.capabilities.includes(c))) return false;
  if (excludes.minKernel && kernelAtLeast(env.kernel, excludes.minKernel)) return false;
  if (includes.arches.length > 0 && !includes.arches.includes(env.arch)) return false;
  if (!includes.caps.every((c) => env.capabilities.includes(c))) return false;
  if (includes.minKernel && !kernelAtLeast(env.kernel, includes.minKernel)) return false;
  return true;
}

function toOciSyscall(rule: DockerSyscallRule): OciSyscall {
  const call: OciSyscall = { names: [...rule.names], action: rule.action };
  if (rule.errnoRet !== undefined) call.errnoRet = rule.errnoRet;
  if (rule.args.length > 0) call.args = rule.args.map((a) => ({ ...a }));
  return call;
}

function kernelAtLeast(current: [number, number], min: [number, number]): boolean {
  return current[0] > min[0] || (current[0] === min[0] && current[1] >= min[1]);
}
