// --disable-content-trust of run, create, pull and push (docker CLI 28), and DOCKER_CONTENT_TRUST.
import { ClientError } from "./errors.js";

/**
 * docker/cli's ContentTrustEnabled: DOCKER_CONTENT_TRUST set to anything but a false value turns
 * verification on, and --disable-content-trust=false does too. Verifying (or signing) a tag needs a Notary
 * server (docker's is notary.docker.io); berth has no Notary client, so it refuses plainly. An image
 * named by digest needs no Notary, as with docker.
 */
export function checkContentTrust(image: string, opts: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const fromEnv = env.DOCKER_CONTENT_TRUST ?? "";
  const envOn = fromEnv !== "" && !["0", "f", "F", "FALSE", "false", "False"].includes(fromEnv);
  const flag = opts.disableContentTrust as boolean | undefined;
  const verify = flag === undefined ? envOn : !flag;
  if (!verify || image.includes("@")) return;
  throw new ClientError(
    "Error: content trust needs a Notary server to verify image tags, and berth has no Notary client: " +
      "pass --disable-content-trust (or unset DOCKER_CONTENT_TRUST), or name the image by digest",
  );
}

/** docker/cli's dockerfileFromLinePattern: the first word after FROM on a line (flags skipped here). */
const FROM_LINE = /^\s*FROM[ \f\r\t\v]+(.*)$/i;

/**
 * `build` with content trust: the docker CLI resolves every `FROM image` line of the Dockerfile
 * (not `scratch`) through Notary before sending it, so each is checked as `run`'s image is.
 */
export function checkBuildContentTrust(dockerfile: string, opts: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const line of dockerfile.split("\n")) {
    const words = FROM_LINE.exec(line)?.[1]?.split(/[ \f\r\t\v]+/) ?? [];
    const image = words.find((w) => !w.startsWith("--"))?.replace(/#.*$/, "");
    if (image && image !== "scratch") checkContentTrust(image, opts, env);
  }
}
