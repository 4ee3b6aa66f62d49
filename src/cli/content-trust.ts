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
