#!/usr/bin/env python3
"""Checks a compose configuration as docker-compose renders it.

  docker-compose -f ... config | compose_check.py --context dev|replica|scale

The rendered form (`docker-compose config`) is what the tools run: every
`extends`, override file and ${VARIABLE} already resolved, so the rules are
checked on the stack itself, not on one file's fragment of it. Prints one
line per violation and exits 1 when there is any; exits 0 silently otherwise.

Rules (deploy/compose/README.md explains each):
  - every service has a health check;
  - the gRPC services (those with a DB_NAME) depend on postgres and nats with
    condition service_healthy, run their own database as their own role, and
    have a stop_grace_period longer than their drain;
  - dev: DB_HOST = DB_READ_HOST; replica and scale: DB_READ_HOST is another
    service of the stack (the replica);
  - every data directory is a named volume declared at the top level;
  - every published port is bound to 127.0.0.1, and no host port twice;
  - scale: two instances of each service, three NATS nodes routed to each
    other, streams with 3 replicas, NATS_URL naming every node.
"""

import argparse
import re
import sys

import yaml

SERVICES = ("quest", "notification", "social")
# Where the stateful containers keep their data.
DATA_DIRECTORIES = ("/var/lib/postgresql/data", "/data")


def duration_seconds(text):
    """'15s', '1m30s', '500ms' -> seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"([0-9.]+)(ms|us|h|m|s)", str(text))
    if not parts:
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(number) * units[unit] for number, unit in parts)


def published_ports(service):
    """(host_ip, host_port) of each published port, from short or long syntax."""
    result = []
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            result.append((port.get("host_ip", ""), str(port.get("published", ""))))
            continue
        fields = str(port).split("/")[0].split(":")
        if len(fields) == 3:
            result.append((fields[0], fields[1]))
        elif len(fields) == 2:
            result.append(("", fields[0]))
        else:
            result.append(("", ""))  # container port only: a random host port on all addresses
    return result


def volume_mounts(service):
    """(type, source, target) of each mount, from short or long syntax."""
    result = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            result.append((volume.get("type", "volume"), volume.get("source", ""), volume["target"]))
            continue
        fields = str(volume).split(":")
        if len(fields) == 1:
            result.append(("volume", "", fields[0]))  # anonymous
            continue
        source = fields[0]
        kind = "bind" if source.startswith((".", "/", "~")) else "volume"
        result.append((kind, source, fields[1]))
    return result


def check(config, context):
    problems = []
    services = config.get("services") or {}
    declared_volumes = set((config.get("volumes") or {}).keys())

    def service_of(name):
        return services.get(name) or {}

    grpc_services = {name: s for name, s in services.items()
                     if "DB_NAME" in (s.get("environment") or {})}
    if not grpc_services:
        problems.append("no gRPC service (a service with DB_NAME) in the stack")

    for name, service in sorted(services.items()):
        test = (service.get("healthcheck") or {}).get("test")
        if not test or (isinstance(test, list) and test[0] == "NONE") or \
                (service.get("healthcheck") or {}).get("disable"):
            problems.append(f"{name}: no healthcheck")
        for host_ip, host_port in published_ports(service):
            if host_ip != "127.0.0.1":
                problems.append(f"{name}: host port {host_port or '?'} published on "
                                f"{host_ip or 'every address'}, not 127.0.0.1")
        for kind, source, target in volume_mounts(service):
            if target not in DATA_DIRECTORIES:
                continue
            if kind != "volume" or source not in declared_volumes:
                problems.append(f"{name}: data directory {target} is not a named volume "
                                f"declared under volumes: ({kind} {source or 'anonymous'})")

    host_ports = {}
    for name, service in services.items():
        for _, host_port in published_ports(service):
            if host_port:
                host_ports.setdefault(host_port, []).append(name)
    for host_port, names in sorted(host_ports.items()):
        if len(names) > 1:
            problems.append(f"host port {host_port} published by {', '.join(sorted(names))}")

    instances = {svc: [] for svc in SERVICES}
    for name, service in sorted(grpc_services.items()):
        env = service.get("environment") or {}
        svc = name.rsplit("-", 1)[0] if name.endswith("-2") else name
        if svc not in instances:
            problems.append(f"{name}: not one of {', '.join(SERVICES)}")
            continue
        instances[svc].append(name)
        for key, expected in (("DB_NAME", f"{svc}_db"), ("DB_USER", f"{svc}_svc"),
                              ("DB_MIGRATION_USER", f"{svc}_owner")):
            if env.get(key) != expected:
                problems.append(f"{name}: {key} is {env.get(key)!r}, expected {expected!r}")
        if str(env.get("MIGRATE_ON_START", "true")).lower() != "true":
            problems.append(f"{name}: MIGRATE_ON_START is not true")
        depends = service.get("depends_on") or {}
        for dependency in ("postgres", "nats"):
            condition = depends.get(dependency, {}).get("condition") \
                if isinstance(depends, dict) else None
            if condition != "service_healthy":
                problems.append(f"{name}: does not depend on {dependency} with condition "
                                f"service_healthy (got {condition!r})")
        if env.get("DB_HOST") != "postgres":
            problems.append(f"{name}: DB_HOST is {env.get('DB_HOST')!r}, expected 'postgres'")
        read_host = env.get("DB_READ_HOST")
        if context == "dev":
            if read_host != env.get("DB_HOST"):
                problems.append(f"{name}: development context, but DB_READ_HOST {read_host!r} "
                                f"!= DB_HOST {env.get('DB_HOST')!r}")
        else:
            if read_host == env.get("DB_HOST"):
                problems.append(f"{name}: {context} context, but DB_READ_HOST = DB_HOST "
                                f"({read_host!r}): reads do not go to the replica")
            elif read_host not in services:
                problems.append(f"{name}: DB_READ_HOST {read_host!r} is no service of the stack")
            elif read_host not in depends:
                problems.append(f"{name}: does not depend on its read host {read_host}")
        drain_ms = int(env.get("GRPC_DRAIN_TIMEOUT_MS", 10000)) + \
            int(env.get("GRPC_SHUTDOWN_GRACE_MS", 0))
        grace = service.get("stop_grace_period")
        if grace is None or duration_seconds(grace) * 1000 <= drain_ms:
            problems.append(f"{name}: stop_grace_period {grace!r} is not longer than the drain "
                            f"({drain_ms} ms)")

    if context == "scale":
        problems += check_scale(services, instances)
    else:
        for svc, names in instances.items():
            if len(names) != 1:
                problems.append(f"{svc}: {len(names)} instances, expected 1 ({context})")
    return problems


def check_scale(services, instances):
    problems = []
    for svc, names in instances.items():
        if len(names) != 2:
            problems.append(f"{svc}: {len(names)} instances in the scale-out stack, expected 2")
    nats_nodes = sorted(name for name, s in services.items()
                        if name == "nats" or re.fullmatch(r"nats-\d+", name))
    if len(nats_nodes) != 3:
        problems.append(f"NATS: {len(nats_nodes)} nodes ({', '.join(nats_nodes)}), expected 3")
    for node in nats_nodes:
        command = services[node].get("command") or ""
        command = " ".join(command) if isinstance(command, list) else command
        if "-js" not in command.split():
            problems.append(f"{node}: JetStream (-js) not enabled")
        routes = re.search(r"--routes[ =](\S+)", command)
        routed = {re.sub(r"^nats://|:\d+$", "", r) for r in routes.group(1).split(",")} \
            if routes else set()
        missing = set(nats_nodes) - {node} - routed
        if missing:
            problems.append(f"{node}: no route to {', '.join(sorted(missing))}")
    for svc, names in instances.items():
        for name in names:
            env = services[name].get("environment") or {}
            if str(env.get("EVENTS_STREAM_REPLICAS")) != "3":
                problems.append(f"{name}: EVENTS_STREAM_REPLICAS is "
                                f"{env.get('EVENTS_STREAM_REPLICAS')!r}, expected 3")
            urls = {re.sub(r"^nats://|:\d+$", "", u) for u in
                    str(env.get("NATS_URL", "")).split(",")}
            if urls != set(nats_nodes):
                problems.append(f"{name}: NATS_URL names {', '.join(sorted(urls))}, "
                                f"not every node ({', '.join(nats_nodes)})")
            depends = services[name].get("depends_on") or {}
            for node in nats_nodes:
                if (depends.get(node) or {}).get("condition") != "service_healthy":
                    problems.append(f"{name}: does not wait for {node} to be healthy")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--context", choices=("dev", "replica", "scale"), required=True)
    parser.add_argument("config", nargs="?", help="rendered config (default: stdin)")
    args = parser.parse_args()
    text = open(args.config).read() if args.config else sys.stdin.read()
    problems = check(yaml.safe_load(text) or {}, args.context)
    for problem in problems:
        print(f"compose ({args.context}): {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
