# docker-py against berth serve, one case per run (argv[2]): what dockerd 20.10 answers to calls
# docker-py's own integration tests make, measured on a private dockerd. Prints one JSON line of
# facts that test/api/docker-py.test.ts checks; an unexpected failure raises and exits non-zero.
import json
import subprocess
import sys
import time

import docker

client = docker.DockerClient(base_url=sys.argv[1], version="auto")
api = client.api
case = sys.argv[2]
facts = {}


def api_error(call):
    try:
        call()
    except docker.errors.APIError as err:
        return [err.status_code, err.explanation]
    return None


if case == "exec-tty":
    # The process gets a terminal by the create's Tty; the output is framed by the start's Tty.
    d = client.containers.run("busybox", ["sleep", "300"], detach=True)
    ex = api.exec_create(d.id, ["sh", "-c", "echo hi; echo err >&2"], tty=True)
    out, err = api.exec_start(ex["Id"], tty=False, demux=True)
    facts["tty_process_framed"] = [out.decode(), err]
    facts["tty_process_inspect"] = api.exec_inspect(ex["Id"])["ProcessConfig"]["tty"]
    ex = api.exec_create(d.id, ["sh", "-c", "echo hi; echo err >&2; echo bye"], tty=False)
    facts["plain_process_raw"] = api.exec_start(ex["Id"], tty=True).decode()
    facts["plain_process_inspect"] = api.exec_inspect(ex["Id"])["ProcessConfig"]["tty"]
    facts["exec_run_tty"] = d.exec_run(["sh", "-c", "echo t"], tty=True).output.decode()
    d.remove(force=True)

elif case == "log-driver":
    LogConfig = docker.types.LogConfig
    facts["unknown"] = api_error(lambda: client.containers.create("busybox", ["true"], log_config=LogConfig(type="foo")))
    facts["unknown_opt"] = api_error(lambda: client.containers.create("busybox", ["true"], log_config=LogConfig(type="json-file", config={"foo": "bar"})))
    facts["syslog"] = api_error(lambda: client.containers.create("busybox", ["true"], log_config=LogConfig(type="syslog")))
    facts["created"] = len(client.containers.list(all=True))
    c = client.containers.create("busybox", ["echo", "kept"])
    facts["default"] = c.attrs["HostConfig"]["LogConfig"]
    c.start()
    c.wait()
    facts["default_logs"] = c.logs().decode()
    c.remove()
    facts["none_run"] = api_error(lambda: client.containers.run("busybox", ["echo", "dropped"], name="py-none", log_config=LogConfig(type="none")))
    n = client.containers.get("py-none")
    facts["none_logs"] = api_error(lambda: n.logs())
    facts["none_config"] = n.attrs["HostConfig"]["LogConfig"]
    facts["none_exit"] = n.attrs["State"]["ExitCode"]
    n.remove()
    facts["info_driver"] = client.info()["LoggingDriver"]

elif case == "restart-always":
    # Each run lasts long enough to be seen running between its restarts.
    r = client.containers.run("busybox", ["sleep", "0.5"], detach=True, restart_policy={"Name": "always"})
    seen = []
    deadline = time.time() + 20
    while time.time() < deadline:
        r.reload()
        state = [r.attrs["State"]["Status"], r.attrs["RestartCount"]]
        if not seen or seen[-1] != state:
            seen.append(state)
        if state[1] >= 2:
            break
        time.sleep(0.05)
    facts["statuses"] = sorted({s for s, _ in seen})
    facts["counted"] = max(c for _, c in seen)
    r.stop(timeout=1)
    time.sleep(1)
    r.reload()
    facts["stopped"] = r.attrs["State"]["Status"]
    r.remove(force=True)

elif case == "stats-networks":
    keys = {}
    for mode in ["host", "none"]:
        c = client.containers.run("busybox", ["sleep", "300"], detach=True, network_mode=mode)
        keys[mode] = "networks" in c.stats(stream=False)
        if mode == "none":
            c.reload()
            # Interfaces of the container's own namespace are counted (a veth pair that stays inside it).
            pid = str(c.attrs["State"]["Pid"])
            subprocess.run(["nsenter", "-t", pid, "-n", "ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1"], check=True)
            for dev in ["v0", "v1"]:
                subprocess.run(["nsenter", "-t", pid, "-n", "ip", "link", "set", dev, "up"], check=True)
            nets = c.stats(stream=False).get("networks", {})
            facts["interfaces"] = sorted(nets)
            facts["counters"] = sorted(nets.get("v0", {}))
        c.remove(force=True)
    facts["has_key"] = keys

elif case == "swarm":
    facts["swarm"] = api_error(lambda: client.swarm.reload())
    facts["lists"] = [api_error(lambda: m.list())[0] for m in [client.services, client.nodes, client.secrets, client.configs]]
    facts["leave"] = api_error(lambda: client.swarm.leave())
    if len(sys.argv) > 3 and sys.argv[3] == "init":
        facts["init"] = api_error(lambda: client.swarm.init())
    facts["state"] = client.info()["Swarm"]["LocalNodeState"]

else:
    raise SystemExit(f"unknown case {case}")
print(json.dumps(facts))
