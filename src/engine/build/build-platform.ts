// `--platform` (CLI) and `platform=` (POST /build): berth runs a build's RUN steps on this machine
// with no emulation, so the only platform it can build for is its own. Anything else is refused
// before the build starts rather than producing an image that claims a platform it is not.
import { InvalidArgumentError } from "../../errors.js";
import { formatPlatform, hostPlatform } from "../../build/dockerfile/dockerfile.js";

/** The names containerd's platforms.Normalize folds together. */
const ARCH_ALIASES: Record<string, string> = {
  x86_64: "amd64",
  "x86-64": "amd64",
  aarch64: "arm64",
  armhf: "arm",
  armel: "arm",
  i386: "386",
};

/** "" when none was given, else this machine's platform in OCI words; refuses any other. */
export function checkBuildPlatform(given: string): string {
  const text = given.trim();
  if (text === "") return "";
  const host = hostPlatform();
  const [os = "", rawArch, variant] = text.toLowerCase().split("/");
  const arch = rawArch === undefined ? undefined : (ARCH_ALIASES[rawArch] ?? rawArch);
  const sameArch = arch === undefined || arch === host.architecture;
  const sameVariant = variant === undefined || variant === (host.variant ?? "") || (arch === "arm64" && variant === "v8");
  if (os !== "linux" || !sameArch || !sameVariant || text.split("/").length > 3)
    throw new InvalidArgumentError(
      `berth builds only for this machine's platform (${formatPlatform(host)}), not ${JSON.stringify(given)}: it runs RUN steps without emulation`,
    );
  return formatPlatform(host);
}
