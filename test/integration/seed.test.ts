// ../shared/seed/000_f5ad511e2519af5d.txt ("Creating Custom Images") from top to bottom, every
// docker line as a berth line, in order. Adapted only where this machine has no registry:
// - ubuntu:latest is a stand-in: busybox plus the host's bash (helpers/ubuntu-standin.ts);
// - `apt-get -y install git` installs a file /usr/bin/git (a script that answers like git), and
//   `apt-get remove -y git` removes that file;
// - dockerinaction/ch7_packed:latest is committed here from busybox with an /echo program.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { createTempRoot, isRoot, type TempRoot } from "../helpers/temp-root.js";
import { withTty } from "../helpers/tty.js";
import { busyboxRootfsTar, BUSYBOX_CHANGES } from "../helpers/busybox.js";
import { ubuntuStandInTar } from "../helpers/ubuntu-standin.js";

const skip = isRoot() ? false : "the seed runs containers: needs root";
let t: TempRoot;

function berth(args: string[], expectCode = 0): string {
  const r = t.berth(args);
  assert.equal(r.code, expectCode, `berth ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const FAKE_GIT =
  'printf \'#!/bin/sh\\nif [ $# -eq 0 ]; then echo "usage: git [--version] <command> [<args>]"; exit 1; fi\\necho "git version 2.39.5"\\n\' > /usr/bin/git && chmod +x /usr/bin/git';

before(() => {
  if (skip) return;
  t = createTempRoot("berth-seed-");
  berth(["import", ...BUSYBOX_CHANGES, busyboxRootfsTar(), "busybox:latest"]);
  berth([
    "import",
    "-c",
    'CMD ["/bin/bash"]',
    "-c",
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ubuntuStandInTar(),
    "ubuntu:latest",
  ]);
});
after(() => t?.cleanup());

test("the seed: building from a container (hw_container → hw_image)", { skip }, () => {
  berth(["run", "--name", "hw_container", "ubuntu:latest", "touch", "/HelloWorld"]);
  assert.match(berth(["commit", "hw_container", "hw_image"]), /^sha256:[a-f0-9]{64}\n$/);
  berth(["rm", "-vf", "hw_container"]);
  assert.match(berth(["run", "--rm", "hw_image", "ls", "-l", "/HelloWorld"]), /^-rw-r--r-- +1 root +root +0 .* \/HelloWorld\n$/);
});

test("the seed: packaging git interactively, diff, commit -a -m, images", { skip }, () => {
  // docker run -it --name image-dev ubuntu:latest /bin/bash; apt-get -y install git; git version; exit
  const session = withTty(
    t,
    ["run", "-it", "--name", "image-dev", "ubuntu:latest", "/bin/bash"],
    [
      { after: 1.5, text: `${FAKE_GIT}\r` },
      { after: 0.7, text: "git version\r" },
      { after: 0.7, text: "exit\r" },
    ],
  );
  assert.equal(session.code, 0, session.output);
  assert.match(session.output, /git version 2\.39\.5/);
  const diff = berth(["diff", "image-dev"]);
  assert.match(diff, /^C \/usr\/bin$/m);
  assert.match(diff, /^A \/usr\/bin\/git$/m);
  const lines = diff.trim().split("\n");
  assert.deepEqual(
    lines,
    [...lines].sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : 1)),
    "sorted by path, as Docker prints",
  );
  berth(["commit", "-a", "@dockerinaction", "-m", "Added git", "image-dev", "ubuntu-git"]);
  assert.match(berth(["images"]), /^ubuntu-git +latest +[a-f0-9]{12} /m);
  assert.equal(berth(["run", "--rm", "ubuntu-git", "git", "version"]), "git version 2.39.5\n");
  berth(["run", "--rm", "ubuntu-git"]); // the image's CMD, bash, with no terminal: exits at once
  const [inspect] = JSON.parse(berth(["image", "inspect", "ubuntu-git"]));
  assert.equal(inspect.Author, "@dockerinaction");
  assert.equal(inspect.Comment, "Added git");
  assert.equal(inspect.Parent, JSON.parse(berth(["image", "inspect", "ubuntu:latest"]))[0].Id);
  assert.match(inspect.Container, /^[a-f0-9]{64}$/);
  assert.deepEqual(inspect.ContainerConfig.Cmd, ["/bin/bash"]);
});

test("the seed: docker diff of tweak-a, tweak-d and tweak-c", { skip }, () => {
  berth(["run", "--name", "tweak-a", "busybox:latest", "touch", "/HelloWorld"]);
  assert.equal(berth(["diff", "tweak-a"]), "A /HelloWorld\n");
  berth(["run", "--name", "tweak-d", "busybox:latest", "rm", "/bin/vi"]);
  assert.equal(berth(["diff", "tweak-d"]), "C /bin\nD /bin/vi\n");
  berth(["run", "--name", "tweak-c", "busybox:latest", "touch", "/bin/vi"]);
  assert.equal(berth(["diff", "tweak-c"]), "C /bin\nC /bin/busybox\n", "touch follows the symlink to its target");
  berth(["rm", "-vf", "tweak-a"]);
  berth(["rm", "-vf", "tweak-d"]);
  berth(["rm", "-vf", "tweak-c"]);
});

test("the seed: entrypoints, and committing a new CMD to the same name", { skip }, () => {
  const usage = t.berth(["run", "--name", "cmd-git", "--entrypoint", "git", "ubuntu-git"]);
  assert.equal(usage.code, 1);
  assert.match(usage.stdout, /^usage: git/);
  berth(["commit", "-m", "Set CMD git", "-a", "@dockerinaction", "cmd-git", "ubuntu-git"]);
  berth(["rm", "-vf", "cmd-git"]);
  assert.equal(berth(["run", "--name", "cmd-git", "ubuntu-git", "version"]), "git version 2.39.5\n");
});

test("the seed: the execution context is carried from container to image", { skip }, () => {
  berth(["run", "--name", "rich-image-example", "-e", "ENV_EXAMPLE1=Rich", "-e", "ENV_EXAMPLE2=Example", "busybox:latest"]);
  berth(["commit", "rich-image-example", "rie"]);
  assert.equal(berth(["run", "--rm", "rie", "/bin/sh", "-c", "echo $ENV_EXAMPLE1 $ENV_EXAMPLE2"]), "Rich Example\n");
  berth(["run", "--name", "rich-image-example2", "--entrypoint", "/bin/sh", "rie", "-c", "echo $ENV_EXAMPLE1 $ENV_EXAMPLE2"]);
  berth(["commit", "rich-image-example2", "rie"]);
  assert.equal(berth(["run", "--rm", "rie"]), "Rich Example\n", "different command but same output");
});

test("the seed: tags, a branch that removes git, history and export", { skip }, () => {
  berth(["tag", "ubuntu:latest", "myuser/myfirstrepo:mytag"]);
  berth(["tag", "myuser/myfirstrepo:mytag", "myuser/mod_ubuntu"]);
  assert.equal(JSON.parse(berth(["inspect", "myuser/mod_ubuntu"]))[0].RepoTags.includes("myuser/mod_ubuntu:latest"), true);
  berth(["tag", "ubuntu-git:latest", "ubuntu-git:1.9"]);
  // apt-get remove -y git, as removing the installed file:
  berth(["run", "--name", "image-dev2", "--entrypoint", "/bin/bash", "ubuntu-git:latest", "-c", "rm /usr/bin/git"]);
  berth(["commit", "image-dev2", "ubuntu-git:removed"]);
  berth(["tag", "-f", "ubuntu-git:removed", "ubuntu-git:latest"]);
  const images = berth(["images"]);
  assert.match(images, /^ubuntu-git +removed +([a-f0-9]{12}) /m);
  const removedId = /^ubuntu-git +removed +([a-f0-9]{12})/m.exec(images)![1];
  assert.match(images, new RegExp(`^ubuntu-git +latest +${removedId} `, "m"), "latest moved to the removed image");
  const size = (ref: string) => JSON.parse(berth(["image", "inspect", ref]))[0].Size as number;
  assert.ok(size("ubuntu-git:removed") >= size("ubuntu-git:1.9"), "removing a file does not shrink the image");
  assert.equal(t.berth(["run", "--rm", "ubuntu-git:latest", "git", "version"]).code, 127, "git is gone");
  const history = berth(["history", "ubuntu-git:removed"]).trim().split("\n");
  assert.equal(history.length, 1 + 4, "import, Added git, Set CMD git, the removal");
  assert.match(history[1]!, /^[a-f0-9]{12} /);
  assert.match(history[3]!, /Added git$/);

  // dockerinaction/ch7_packed:latest stand-in: busybox with an ./echo program at the root.
  berth(["run", "--name", "packer", "busybox:latest", "cp", "/bin/busybox", "/echo"]);
  berth(["commit", "packer", "dockerinaction/ch7_packed:latest"]);
  berth(["rm", "packer"]);
  assert.equal(berth(["run", "--name", "export-test", "dockerinaction/ch7_packed:latest", "./echo", "For", "Export"]), "For Export\n");
  berth(["export", "--output", `${t.dir}/contents.tar`, "export-test"]);
  berth(["rm", "export-test"]);
  const listing = spawnSync("tar", ["-tf", `${t.dir}/contents.tar`])
    .stdout.toString()
    .split("\n");
  assert.ok(listing.includes("echo") && listing.includes("bin/busybox"));
  assert.ok(!listing.some((n) => n.includes(".wh.")), "export has no whiteouts");
  // The chapter ends with import: the export comes back as a one-layer image that runs the same program.
  const flat = t.berth(["import", `${t.dir}/contents.tar`, "flat"]);
  assert.equal(flat.code, 0, flat.stderr);
  assert.equal(JSON.parse(berth(["image", "inspect", "flat"]))[0].RootFS.Layers.length, 1);
  assert.equal(berth(["run", "--rm", "flat", "/echo", "again"]), "again\n");
  fs.rmSync(`${t.dir}/contents.tar`);
  assert.equal(berth(["system", "check"]), "No problems found\n");
});
