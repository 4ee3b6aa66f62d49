# docker-py against berth serve: the workflow of test/api/docker-py.test.ts. Prints one JSON line
# of facts that the Node test checks; any failure raises and exits non-zero.
import io
import json
import sys

import docker

client = docker.DockerClient(base_url=sys.argv[1], version="auto")
api = client.api
facts = {"version": client.version()["ApiVersion"], "ping": client.ping()}

c = client.containers.create("busybox", ["sh", "-c", "echo out1; echo err1 >&2; touch /made; exit 3"], name="py-1")
c.start()
facts["wait"] = c.wait()["StatusCode"]
facts["stdout"] = c.logs(stdout=True, stderr=False).decode()
facts["stderr"] = c.logs(stdout=False, stderr=True).decode()
facts["diff"] = c.diff()
c.reload()
facts["status"] = c.status
facts["logdriver"] = c.attrs["HostConfig"]["LogConfig"]["Type"]

image = c.commit(repository="py-img", tag="v1", author="A", message="M", conf={"Env": ["FROM_COMMIT=yes"]})
facts["image_id"] = image.id
facts["history"] = [[h["Comment"], h["Tags"]] for h in image.history()]
image.tag("py-img", "v2")
facts["tags"] = sorted(client.images.get("py-img:v1").tags)
facts["images"] = sorted(t for i in client.images.list() for t in i.tags)

d = client.containers.run("py-img:v1", ["sh", "-c", "echo $FROM_COMMIT; sleep 300"], detach=True, name="py-d")
ex = d.exec_run(["sh", "-c", "echo in-exec; exit 4"])
facts["exec"] = [ex.exit_code, ex.output.decode()]
facts["committed_env"] = d.exec_run(["sh", "-c", "echo $FROM_COMMIT"]).output.decode()
d.remove(force=True, v=True)

exported = b"".join(c.export())
facts["export_size"] = len(exported)
out = api.import_image_from_data(exported, repository="py-imported", tag="latest")
facts["import_status"] = json.loads(out.strip().split("\r\n")[-1])["status"]

c.remove(v=True, force=True)
try:
    client.containers.get("py-1")
    facts["removed"] = False
except docker.errors.NotFound as err:
    facts["removed"] = True
    facts["notfound"] = err.explanation
for name in ["py-img:v2", "py-img:v1", "py-imported"]:
    client.images.remove(name)
facts["left"] = sorted(t for i in client.images.list() for t in i.tags)
print(json.dumps(facts))
