#!/usr/bin/env python3
"""Checks the Kubernetes objects `kubectl kustomize deploy/k8s` renders.

  kubectl kustomize deploy/k8s | k8s_check.py [--secrets SECRETS.yaml]

SECRETS.yaml: what deploy/k8s/create-secrets.sh prints with
`--dry-run=client -o yaml` (the Secrets are not in the kustomization).
Prints one line per violation and exits 1 when there is any. The rules
(deploy/k8s/README.md says why):
  - every pod template (Deployment, StatefulSet, DaemonSet, Job, CronJob)
    passes the restricted Pod Security Standard the namespace enforces
    (non-root, seccomp RuntimeDefault/Localhost, no privilege escalation,
    capabilities dropped, no host namespaces, ports or paths, no privileged
    containers) plus ours: read-only root, cpu and memory requests and limits;
    every ConfigMap it names is rendered (kustomize v2.0.3 rewrites a generated
    ConfigMap's name in fewer places than v5);
  - the kustomization renders no Secret: placeholders can never be applied;
per Deployment of quest, notification and social:
  - 2+ replicas; every container with readiness and liveness probes;
  - an init container running `<svc>-migrate run` as the owner role, the
    serving container with MIGRATE_ON_START=false and without the owner
    password; every Secret it uses is its own (<svc> or <svc>-...) and, with
    --secrets, each Secret and key it reads is one create-secrets.sh makes;
  - AUTH_MODE set explicitly; terminationGracePeriodSeconds above the
    shutdown grace plus the drain;
  - a PodDisruptionBudget and a headless Service selecting its pods;
  - a NetworkPolicy selecting its pods with ingress only on 50051/9464, 9464
    only from the monitoring namespace, and egress that reaches its own
    database's pods and no other database (judged by evaluating the policy
    against a pod of each database, not by text);
and: the daily backup CronJob at "0 0 * * *" in Etc/UTC, every CronJob in the
backup image; a 3-node NATS StatefulSet, its config generated into a
ConfigMap, monitoring (8222) only from the monitoring namespace;
EVENTS_STREAM_REPLICAS=3.
"""

import argparse
import ipaddress
import sys

import yaml

SERVICES = ("quest", "notification", "social")
NAMESPACE = "quest-ecosystem"
DATABASE_LABEL = "quest-ecosystem/database"
DATABASE_PORT = 5432
ALLOWED_INGRESS_PORTS = {50051, 9464}
MONITORING_NAMESPACE = "monitoring"
BACKUP_IMAGE = "localhost/quest-ecosystem/backup:"
# The restricted Pod Security Standard (Kubernetes 1.25+ "restricted" v latest).
RESTRICTED_VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                           "persistentVolumeClaim", "projected", "secret"}
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
# Addresses pods (and so in-cluster databases) get: the private ranges, and
# carrier-grade NAT space, which some clouds' pod networks use.
POD_ADDRESSES = ("10.244.1.7", "172.16.3.9", "192.168.5.20", "100.64.2.3")


def selects(selector, labels):
    """Whether a label selector (matchLabels + matchExpressions) matches labels."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def peer_admits(peer, pod_labels, pod_namespace_labels, pod_address):
    """Whether one NetworkPolicy peer (in the policy's namespace) admits a pod."""
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        address = ipaddress.ip_address(pod_address)
        if address not in ipaddress.ip_network(block["cidr"]):
            return False
        return not any(address in ipaddress.ip_network(e) for e in block.get("except") or [])
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], pod_namespace_labels):
            return False
    elif pod_namespace_labels.get("kubernetes.io/metadata.name") != NAMESPACE:
        return False
    return "podSelector" not in peer or selects(peer["podSelector"], pod_labels)


def port_admitted(rule_ports, port):
    if not rule_ports:
        return True  # a rule without ports admits every port
    for rule_port in rule_ports:
        if rule_port.get("protocol", "TCP") != "TCP":
            continue
        start = rule_port.get("port")
        if start is None:
            return True
        if not isinstance(start, int):
            return True  # a named port: cannot prove it is not the database's
        if start <= port <= rule_port.get("endPort", start):
            return True
    return False


def egress_reaches(policy, pod_labels, port):
    """Whether an Egress policy lets its pods reach a pod of NAMESPACE with
    these labels, at any pod address, on this TCP port."""
    namespace_labels = {"kubernetes.io/metadata.name": NAMESPACE}
    for rule in policy["spec"].get("egress") or []:
        if not port_admitted(rule.get("ports"), port):
            continue
        peers = rule.get("to")
        if not peers:
            return True  # no `to`: every destination
        for peer in peers:
            for address in POD_ADDRESSES:
                if peer_admits(peer, pod_labels, namespace_labels, address):
                    return True
    return False


def ingress_admits(policy, port, pod_labels, pod_namespace, pod_address):
    """Whether an Ingress policy admits a pod (labels, namespace, address) to
    its pods on this TCP port."""
    namespace_labels = {"kubernetes.io/metadata.name": pod_namespace}
    for rule in policy["spec"].get("ingress") or []:
        if not port_admitted(rule.get("ports"), port):
            continue
        peers = rule.get("from")
        if not peers:
            return True  # no `from`: every source
        if any(peer_admits(peer, pod_labels, namespace_labels, pod_address) for peer in peers):
            return True
    return False


def check_monitoring_only(where, policies, port):
    """Port is reachable from a pod of the monitoring namespace and from no
    other pod: not this namespace's, not another namespace's (policies add up)."""
    def admitted(labels, namespace):
        return any(ingress_admits(p, port, labels, namespace, address)
                   for p in policies for address in POD_ADDRESSES)
    problems = []
    if not admitted({"app.kubernetes.io/name": "prometheus"}, MONITORING_NAMESPACE):
        problems.append(f"{where}: port {port} not reachable from the {MONITORING_NAMESPACE} "
                        "namespace")
    for namespace in (NAMESPACE, "default"):
        if admitted({"app.kubernetes.io/name": "stranger"}, namespace):
            problems.append(f"{where}: port {port} reachable from namespace {namespace}, "
                            f"only {MONITORING_NAMESPACE} allowed")
    return problems


def ingress_policies(rendered, pod_labels):
    return [p for p in rendered.of_kind("NetworkPolicy")
            if selects(p["spec"].get("podSelector"), pod_labels)
            and "Ingress" in (p["spec"].get("policyTypes") or ["Ingress"])]


class Rendered:
    def __init__(self, documents):
        self.objects = [d for d in documents if d]

    def of_kind(self, kind):
        return [o for o in self.objects if o.get("kind") == kind]

    def named(self, kind, name):
        for o in self.of_kind(kind):
            if o["metadata"]["name"] == name:
                return o
        return None


def container_secrets(container):
    names = set()
    for source in container.get("envFrom") or []:
        if "secretRef" in source:
            names.add(source["secretRef"]["name"])
    for variable in container.get("env") or []:
        reference = (variable.get("valueFrom") or {}).get("secretKeyRef")
        if reference:
            names.add(reference["name"])
    return names


def mounted_secret_keys(container, volumes):
    """(secret, key) pairs a container can read through its volume mounts
    (None as key: the whole Secret)."""
    keys = set()
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount["name"]) or {}
        secret = volume.get("secret")
        if not secret:
            continue
        items = secret.get("items")
        if items:
            keys.update((secret["secretName"], item["key"]) for item in items)
        else:
            keys.add((secret["secretName"], None))
    return keys


def secret_keys_read(container, volumes):
    """(secret, key) pairs a container reads: mounts and env (key None: any)."""
    keys = mounted_secret_keys(container, volumes)
    keys |= {(s, None) for s in container_secrets(container) if s}
    for variable in container.get("env") or []:
        reference = (variable.get("valueFrom") or {}).get("secretKeyRef")
        if reference:
            keys.discard((reference["name"], None))
            keys.add((reference["name"], reference["key"]))
    return keys


def env_value(container, configmaps, name):
    for variable in container.get("env") or []:
        if variable["name"] == name:
            return variable.get("value")
    for source in container.get("envFrom") or []:
        reference = source.get("configMapRef")
        if reference and reference["name"] in configmaps:
            data = configmaps[reference["name"]].get("data") or {}
            if name in data:
                return data[name]
    return None


def pod_templates(rendered):
    """(description, pod template) of every workload."""
    for kind in WORKLOAD_KINDS:
        for workload in rendered.of_kind(kind):
            spec = workload["spec"]
            if kind == "CronJob":
                spec = spec["jobTemplate"]["spec"]
            yield f"{kind} {workload['metadata']['name']}", spec["template"]


def check_pod_security(where, pod):
    """The restricted Pod Security Standard, plus read-only root file systems
    and cpu/memory requests and limits on every container."""
    problems = []
    security = pod.get("securityContext") or {}
    for host in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(host):
            problems.append(f"{where}: {host} is true")
    for volume in pod.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUME_TYPES:
            problems.append(f"{where}: volume {volume['name']} is {', '.join(sorted(kinds))}, "
                            "not allowed by the restricted Pod Security Standard")
    for sysctl in security.get("sysctls") or []:
        problems.append(f"{where}: sets sysctl {sysctl.get('name')}")
    containers = (pod.get("initContainers") or []) + (pod.get("containers") or [])
    if not containers:
        problems.append(f"{where}: no containers")
    for container in containers:
        name = f"{where} container {container['name']}"
        context = container.get("securityContext") or {}
        if context.get("privileged"):
            problems.append(f"{name}: privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation is not false")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            problems.append(f"{name}: capabilities do not drop ALL")
        if set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: adds capabilities {capabilities['add']}")
        # Container settings override the pod's.
        if context.get("runAsNonRoot", security.get("runAsNonRoot")) is not True:
            problems.append(f"{name}: runAsNonRoot is not true (pod or container)")
        if not context.get("runAsUser", security.get("runAsUser")):
            problems.append(f"{name}: runAsUser is unset or 0: runs as the image's user, "
                            "or root")
        seccomp = (context.get("seccompProfile") or security.get("seccompProfile") or {})
        if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{name}: seccompProfile is not RuntimeDefault (pod or container)")
        if any(port.get("hostPort") for port in container.get("ports") or []):
            problems.append(f"{name}: uses a hostPort")
        if context.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{name}: readOnlyRootFilesystem is not true")
        resources = container.get("resources") or {}
        for section in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in (resources.get(section) or {}):
                    problems.append(f"{name}: no {section}.{resource}")
    return problems


def named_configmaps(pod):
    """The ConfigMaps a pod template names: volumes, envFrom, env."""
    names = set()
    for volume in pod.get("volumes") or []:
        if "configMap" in volume:
            names.add(volume["configMap"]["name"])
        for source in (volume.get("projected") or {}).get("sources") or []:
            if "configMap" in source:
                names.add(source["configMap"]["name"])
    for container in (pod.get("initContainers") or []) + (pod.get("containers") or []):
        for source in container.get("envFrom") or []:
            if "configMapRef" in source:
                names.add(source["configMapRef"]["name"])
        for variable in container.get("env") or []:
            reference = (variable.get("valueFrom") or {}).get("configMapKeyRef")
            if reference:
                names.add(reference["name"])
    return names


def check_workloads(rendered):
    problems = []
    configmaps = {c["metadata"]["name"] for c in rendered.of_kind("ConfigMap")}
    for where, template in pod_templates(rendered):
        pod = template["spec"]
        problems += check_pod_security(where, pod)
        for name in sorted(named_configmaps(pod) - configmaps):
            problems.append(f"{where}: ConfigMap {name} is not in the rendered objects")
    return problems


def check_deployment(svc, deployment, rendered, created_secrets):
    """created_secrets: {Secret name: its keys} of create-secrets.sh, or None."""
    problems = []
    where = f"Deployment {svc}"
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    pod_labels = spec["template"]["metadata"].get("labels") or {}
    configmaps = {c["metadata"]["name"]: c for c in rendered.of_kind("ConfigMap")}
    volumes = {v["name"]: v for v in pod.get("volumes") or []}

    if spec.get("replicas", 1) < 2:
        problems.append(f"{where}: {spec.get('replicas', 1)} replica(s), expected 2 or more")

    containers = pod.get("containers") or []
    init_containers = pod.get("initContainers") or []
    for container in init_containers + containers:
        name = f"{where} container {container['name']}"
        used = container_secrets(container) | {s for s, _ in mounted_secret_keys(container, volumes)}
        for secret in sorted(used):
            if secret != svc and not secret.startswith(svc + "-"):
                problems.append(f"{name}: uses Secret {secret}, not {svc}'s own")
        if created_secrets is None:
            continue
        for secret, key in sorted(secret_keys_read(container, volumes), key=str):
            if secret not in created_secrets:
                problems.append(f"{name}: Secret {secret} is not one create-secrets.sh makes")
            elif key is not None and key not in created_secrets[secret]:
                problems.append(f"{name}: Secret {secret} has no key {key} "
                                "(create-secrets.sh makes "
                                f"{', '.join(sorted(created_secrets[secret]))})")

    pod_secrets = set()
    for container in init_containers + containers:
        pod_secrets |= container_secrets(container)
        pod_secrets |= {s for s, _ in mounted_secret_keys(container, volumes)}
    if svc not in pod_secrets:
        problems.append(f"{where}: does not use its own Secret {svc}")

    for container in containers:
        name = f"{where} container {container['name']}"
        for probe in ("readinessProbe", "livenessProbe"):
            if not container.get(probe):
                problems.append(f"{name}: no {probe}")
        if str(env_value(container, configmaps, "MIGRATE_ON_START")).lower() != "false":
            problems.append(f"{name}: MIGRATE_ON_START is not false (the init container migrates)")
        readable = mounted_secret_keys(container, volumes)
        if (svc, None) in readable or (svc, "db-owner-password") in readable:
            problems.append(f"{name}: can read the owner password (db-owner-password)")
        if env_value(container, configmaps, "DB_MIGRATION_USER"):
            problems.append(f"{name}: has DB_MIGRATION_USER: the serving container must not migrate")
    migrators = [c for c in init_containers
                 if (c.get("command") or []) + (c.get("args") or []) ==
                 [f"/usr/local/bin/{svc}-migrate", "run"]]
    if not migrators:
        problems.append(f"{where}: no init container running /usr/local/bin/{svc}-migrate run")
    for migrator in migrators:
        if env_value(migrator, configmaps, "DB_MIGRATION_USER") != f"{svc}_owner":
            problems.append(f"{where}: the migrate init container does not run as {svc}_owner")

    serving = containers[0] if containers else {}
    stop_ms = sum(int(env_value(serving, configmaps, key) or default) for key, default in
                  (("GRPC_SHUTDOWN_GRACE_MS", 0), ("GRPC_DRAIN_TIMEOUT_MS", 10000)))
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace * 1000 <= stop_ms:
        problems.append(f"{where}: terminationGracePeriodSeconds {grace} is not above the "
                        f"shutdown grace + drain ({stop_ms} ms)")
    if env_value(serving, configmaps, "DB_HOST") == env_value(serving, configmaps, "DB_READ_HOST"):
        problems.append(f"{where}: DB_READ_HOST = DB_HOST: reads are not on the replica")
    if env_value(serving, configmaps, "DB_NAME") != f"{svc}_db":
        problems.append(f"{where}: DB_NAME is not {svc}_db")
    if env_value(serving, configmaps, "AUTH_MODE") not in ("header", "jwt"):
        problems.append(f"{where}: AUTH_MODE is not set to header or jwt: say who is trusted")
    if str(env_value(serving, configmaps, "EVENTS_STREAM_REPLICAS")) != "3":
        problems.append(f"{where}: EVENTS_STREAM_REPLICAS is not 3")
    annotations = spec["template"]["metadata"].get("annotations") or {}
    if annotations.get("prometheus.io/scrape") != "true" or \
            annotations.get("prometheus.io/port") != "9464":
        problems.append(f"{where}: no prometheus.io scrape annotations for port 9464")

    if not any(selects(p["spec"].get("selector"), pod_labels)
               for p in rendered.of_kind("PodDisruptionBudget")):
        problems.append(f"{where}: no PodDisruptionBudget selects its pods")
    headless = [s for s in rendered.of_kind("Service")
                if s["spec"].get("clusterIP") == "None" and s["spec"].get("selector")
                and selects({"matchLabels": s["spec"]["selector"]}, pod_labels)]
    if not headless:
        problems.append(f"{where}: no headless Service selects its pods")
    problems += check_network_policies(svc, pod_labels, rendered)
    return problems


def check_network_policies(svc, pod_labels, rendered):
    problems = []
    where = f"NetworkPolicy of {svc}"
    policies = [p for p in rendered.of_kind("NetworkPolicy")
                if selects(p["spec"].get("podSelector"), pod_labels)]
    egress = [p for p in policies if "Egress" in (p["spec"].get("policyTypes") or [])]
    ingress = [p for p in policies if "Ingress" in (p["spec"].get("policyTypes") or ["Ingress"])]
    if not egress:
        return [f"{where}: none restricts egress of {svc}'s pods"]
    # Policies add up: a pod may reach whatever any policy selecting it allows.
    for database in SERVICES:
        labels = {DATABASE_LABEL: database, "app.kubernetes.io/name": f"{database}-db"}
        reachable = any(egress_reaches(p, labels, DATABASE_PORT) for p in egress)
        if database == svc and not reachable:
            problems.append(f"{where}: egress does not reach its own database ({database})")
        if database != svc and reachable:
            problems.append(f"{where}: egress reaches {database}'s database")
    if not ingress:
        problems.append(f"{where}: none restricts ingress")
    for policy in ingress:
        for rule in policy["spec"].get("ingress") or []:
            ports = {p.get("port") for p in rule.get("ports") or [{}]}
            if not ports <= ALLOWED_INGRESS_PORTS:
                problems.append(f"{where} {policy['metadata']['name']}: ingress on ports "
                                f"{sorted(map(str, ports))}, only 50051 and 9464 allowed")
    if ingress:
        problems += check_monitoring_only(where, ingress, 9464)
    return problems


def check(documents, created_secrets=None):
    rendered = Rendered(documents)
    problems = check_workloads(rendered)
    for secret in rendered.of_kind("Secret"):
        problems.append(f"Secret {secret['metadata']['name']}: rendered by the kustomization "
                        "(`kubectl apply -k` would apply it): create it with create-secrets.sh")
    for svc in SERVICES:
        deployment = rendered.named("Deployment", svc)
        if deployment is None:
            problems.append(f"Deployment {svc}: missing")
            continue
        problems += check_deployment(svc, deployment, rendered, created_secrets)
    for obj in rendered.objects:
        if obj["kind"] != "Namespace" and obj["metadata"].get("namespace") != NAMESPACE:
            problems.append(f"{obj['kind']} {obj['metadata']['name']}: not in {NAMESPACE}")

    backup = rendered.named("CronJob", "quest-backup")
    if backup is None:
        problems.append("CronJob quest-backup: missing")
    else:
        if backup["spec"].get("schedule") != "0 0 * * *":
            problems.append(f"CronJob quest-backup: schedule {backup['spec'].get('schedule')!r}, "
                            "expected '0 0 * * *'")
        if backup["spec"].get("timeZone") != "Etc/UTC":
            problems.append("CronJob quest-backup: timeZone is not Etc/UTC")
    for cronjob in rendered.of_kind("CronJob"):
        pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        for container in (pod.get("initContainers") or []) + (pod.get("containers") or []):
            if not container.get("image", "").startswith(BACKUP_IMAGE):
                problems.append(f"CronJob {cronjob['metadata']['name']} container "
                                f"{container['name']}: image {container.get('image')!r}, "
                                f"not {BACKUP_IMAGE}* (deploy/images builds it)")

    nats = rendered.named("StatefulSet", "nats")
    if nats is None or nats["spec"].get("replicas") != 3:
        problems.append("StatefulSet nats: missing or not 3 replicas")
    else:
        template = nats["spec"]["template"]
        config_maps = [v["configMap"]["name"] for v in template["spec"]["volumes"]
                       if "configMap" in v]
        config = [rendered.named("ConfigMap", name) for name in config_maps]
        texts = [c["data"].get("nats-server.conf", "") for c in config if c]
        if not any("cluster {" in t and "sync_interval: always" in t for t in texts):
            problems.append("StatefulSet nats: its ConfigMap holds no nats-server.conf with a "
                            "cluster block and sync_interval: always")
        policies = ingress_policies(rendered, template["metadata"].get("labels") or {})
        if not policies:
            problems.append("NetworkPolicy of nats: none restricts ingress")
        else:
            problems += check_monitoring_only("NetworkPolicy of nats", policies, 8222)
    return problems


def read_created_secrets(path):
    """{name: keys} of the Secrets in create-secrets.sh's dry-run output."""
    created = {}
    for document in yaml.safe_load_all(open(path)):
        if document and document.get("kind") == "Secret":
            keys = set(document.get("data") or {}) | set(document.get("stringData") or {})
            created[document["metadata"]["name"]] = keys
    return created


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rendered", nargs="?", help="kubectl kustomize's output (default stdin)")
    parser.add_argument("--secrets", help="create-secrets.sh --dry-run=client -o yaml output")
    args = parser.parse_args()
    text = open(args.rendered).read() if args.rendered else sys.stdin.read()
    created = read_created_secrets(args.secrets) if args.secrets else None
    problems = check(list(yaml.safe_load_all(text)), created)
    for problem in problems:
        print(f"k8s: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
