#!/usr/bin/env bash
# The deployment manifests, rendered as the tools render them, without a
# container engine or a cluster (nothing here needs the network):
#   - deploy/compose: `docker-compose config -q` of the dev, dev+replica and
#     dev+replica+scale stacks, and compose_check.py on each rendered config;
#     a missing secret is refused, not defaulted;
#   - deploy/k8s: `kubectl kustomize` and k8s_check.py on the rendered
#     objects, with the Secrets create-secrets.sh makes (--dry-run=client,
#     from stand-in files) and no secret present in the kustomization;
#     create-secrets.sh refuses a missing file and a placeholder;
#     nats-server reads the StatefulSet's nats-server.conf, pgBackRest the
#     base backup jobs' pgbackrest.conf;
#   - broken copies (a Deployment without a readiness probe, quest's
#     NetworkPolicy opened to social's database, social using quest's Secret,
#     a Deployment reading a key no Secret has, an example Secret back in the
#     kustomization, a backup CronJob without seccomp, a NATS container that
#     may escalate privileges, metrics open to every namespace, a replica
#     stack whose reads stay on the primary, a port on every address) fail
#     the checkers, each for its reason: the checks can fail.
# A missing tool fails the test (deploy/install-deps.sh installs them).
set -uo pipefail
failures=0
checks=0
check() {  # check <description> <command...>
  local what=$1
  shift
  local output
  checks=$((checks + 1))
  if output=$("$@" 2>&1); then
    echo "PASS: $what"
  else
    echo "FAIL: $what"
    echo "$output" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}
fails_with() {  # fails_with <expected message> <command...>: fails, saying so
  local expected=$1 output
  shift
  if output=$("$@" 2>&1); then
    echo "    passed, but should have failed with: $expected"
    return 1
  fi
  grep -qF -- "$expected" <<<"$output" && return 0
  echo "    failed, but not with: $expected"
  echo "$output" | sed 's/^/    /'
  return 1
}

for tool in docker-compose kubectl python3 nats-server pgbackrest; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (deploy/install-deps.sh)"; exit 1; }
done
tests=$(cd "$(dirname "$0")" && pwd)

# Copies with the links resolved: kustomize refuses files whose real path is
# outside the kustomization root (runfiles are links into the source tree).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
copy() {  # copy NAME: a fresh copy of deploy/ as $work/NAME/deploy
  mkdir -p "$work/$1/deploy"
  cp -RL deploy/compose deploy/k8s deploy/service_roles.sql "$work/$1/deploy/"
  echo "$work/$1/deploy"
}
mutate() {  # mutate FILE PYTHON: edit the YAML documents of FILE (`docs`)
  python3 - "$1" "$2" <<'PY'
import sys, yaml
path, code = sys.argv[1], sys.argv[2]
docs = [d for d in yaml.safe_load_all(open(path)) if d is not None]
exec(code)
yaml.safe_dump_all(docs, open(path, "w"), sort_keys=False)
PY
}

declare -A stacks=(
  [dev]="docker-compose.yml"
  [replica]="docker-compose.yml docker-compose.replica.yml"
  [scale]="docker-compose.yml docker-compose.replica.yml docker-compose.scale.yml"
)
compose() {  # compose DEPLOY_DIR CONTEXT ARGS...: docker-compose on CONTEXT's files
  local dir=$1 context=$2 files=() file
  shift 2
  for file in ${stacks[$context]}; do files+=(-f "$file"); done
  (cd "$dir/compose" && docker-compose --env-file .env.example "${files[@]}" "$@")
}
compose_checked() {  # compose_checked DEPLOY_DIR CONTEXT: render, then check
  local rendered
  rendered=$(compose "$1" "$2" config) || return 1
  python3 "$tests/compose_check.py" --context "$2" <<<"$rendered"
}
# Stand-in secret files, as a secret manager would write them, one
# directory per service; create-secrets.sh turns them into Secrets.
secret_files() {  # secret_files DIR: every key create-secrets.sh reads
  local key
  mkdir -p "$1"
  for key in db-password db-owner-password page-token-key privacy-admin-token db-ca.crt \
    tls.crt tls.key ca.crt; do
    echo "stand-in-$key-of-manifests-test" >"$1/$key"
  done
}
created_secrets() {  # created_secrets DEPLOY_DIR OUT: the three services' Secrets
  local svc
  : >"$2"
  for svc in quest notification social; do
    secret_files "$work/secrets/$svc"
    "$1/k8s/create-secrets.sh" "$svc" "$work/secrets/$svc" --dry-run=client -o yaml >>"$2" ||
      return 1
    echo "---" >>"$2"
  done
}
k8s_checked() {  # k8s_checked DEPLOY_DIR: render, then check with its Secrets
  local rendered
  rendered=$(kubectl kustomize "$1/k8s") || return 1
  created_secrets "$1" "$work/created-secrets.yaml" || return 1
  python3 "$tests/k8s_check.py" --secrets "$work/created-secrets.yaml" <<<"$rendered"
}

# ---- As shipped ----
good=$(copy good)
for context in dev replica scale; do
  check "compose $context (${stacks[$context]}): docker-compose config -q" \
    compose "$good" "$context" config -q
  check "compose $context: rendered config passes compose_check.py" \
    compose_checked "$good" "$context"
done
no_secrets() {  # docker-compose without the secrets: the stack refuses to render
  : >"$work/empty.env"
  (cd "$good/compose" && docker-compose --env-file "$work/empty.env" -f docker-compose.yml config -q)
}
check "compose: a missing secret is refused, not defaulted" \
  fails_with "copy deploy/compose/.env.example to deploy/compose/.env" no_secrets

render_k8s() { kubectl kustomize "$good/k8s" >"$work/k8s.yaml"; }
check "k8s: kubectl kustomize renders deploy/k8s (no secret present)" render_k8s
check "k8s: create-secrets.sh makes each service's Secrets (--dry-run=client)" \
  created_secrets "$good" "$work/secrets.yaml"
check "k8s: rendered objects pass k8s_check.py, Secrets from create-secrets.sh" \
  python3 "$tests/k8s_check.py" --secrets "$work/secrets.yaml" "$work/k8s.yaml"
no_secret_file() {  # create-secrets.sh without the TLS key
  secret_files "$work/missing"
  rm "$work/missing/tls.key"
  "$good/k8s/create-secrets.sh" quest "$work/missing" --dry-run=client -o yaml
}
check "k8s: create-secrets.sh refuses a missing file" \
  fails_with "$work/missing/tls.key is missing or empty" no_secret_file
placeholder_secret() {  # create-secrets.sh with an example's placeholder left in
  secret_files "$work/placeholder"
  echo "REPLACE-ME-quest-privacy-admin-token" >"$work/placeholder/privacy-admin-token"
  "$good/k8s/create-secrets.sh" quest "$work/placeholder" --dry-run=client -o yaml
}
check "k8s: create-secrets.sh refuses a REPLACE-ME placeholder" \
  fails_with "privacy-admin-token still holds a REPLACE-ME placeholder" placeholder_secret
# pgBackRest reads the jobs' config as a repository host reaching the
# primary's TLS server; it warns about any option it does not know.
pgbackrest_config() {
  local output
  mkdir -p "$work/pgbackrest-conf.d"
  output=$(pgbackrest --config="$good/k8s/backup/pgbackrest.conf" \
    --config-include-path="$work/pgbackrest-conf.d" --stanza=quest-ecosystem \
    help backup pg-host-type 2>&1) || { echo "$output"; return 1; }
  echo "$output"
  ! grep -q WARN <<<"$output" && grep -qx "current: tls" <<<"$output"
}
check "k8s: pgBackRest reads backup/pgbackrest.conf (no unknown option, pg1-host-type tls)" \
  pgbackrest_config
# Debian's nats-server is 2.9, which does not know 2.10's sync_interval: the
# rest of the file must be valid for it.
sed '/^ *sync_interval: always$/d' "$good/k8s/nats/nats-server.conf" >"$work/nats-2.9.conf"
check "k8s: nats-server.conf is valid (bar 2.10's sync_interval)" \
  env SERVER_NAME=nats-0 nats-server -c "$work/nats-2.9.conf" -t

# ---- Broken copies: each must fail, for its reason ----
broken=$(copy no-probe)
mutate "$broken/k8s/quest/deployment.yaml" \
  'del docs[0]["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]'
check "k8s broken: a Deployment without a readiness probe fails" \
  fails_with "Deployment quest container quest: no readinessProbe" k8s_checked "$broken"

broken=$(copy open-policy)
mutate "$broken/k8s/quest/networkpolicy.yaml" '
for rule in docs[0]["spec"]["egress"]:
    for peer in rule.get("to", []):
        labels = peer.get("podSelector", {}).get("matchLabels", {})
        if labels.get("quest-ecosystem/database") == "quest":
            labels["quest-ecosystem/database"] = "social"'
check "k8s broken: quest's NetworkPolicy reaching social's database fails" \
  fails_with "NetworkPolicy of quest: egress reaches social's database" k8s_checked "$broken"

broken=$(copy any-port)
mutate "$broken/k8s/social/networkpolicy.yaml" \
  'docs[0]["spec"]["egress"].append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]})'
check "k8s broken: an egress rule to every address and port fails" \
  fails_with "NetworkPolicy of social: egress reaches quest's database" k8s_checked "$broken"

broken=$(copy foreign-secret)
mutate "$broken/k8s/social/deployment.yaml" '
for volume in docs[0]["spec"]["template"]["spec"]["volumes"]:
    if volume["name"] == "runtime-secrets":
        volume["secret"]["secretName"] = "quest"'
check "k8s broken: social mounting quest's Secret fails" \
  fails_with "uses Secret quest, not social's own" k8s_checked "$broken"

broken=$(copy foreign-key)
mutate "$broken/k8s/quest/deployment.yaml" '
for volume in docs[0]["spec"]["template"]["spec"]["volumes"]:
    if volume["name"] == "runtime-secrets":
        volume["secret"]["items"][0]["key"] = "db-passwd"'
check "k8s broken: a Deployment reading a key create-secrets.sh does not make fails" \
  fails_with "Secret quest has no key db-passwd" k8s_checked "$broken"

broken=$(copy example-secret)
cat >"$broken/k8s/quest/secret.example.yaml" <<'YAML'
apiVersion: v1
kind: Secret
metadata:
  name: quest
stringData:
  privacy-admin-token: REPLACE-ME-quest-privacy-admin-token
YAML
mutate "$broken/k8s/kustomization.yaml" 'docs[0]["resources"].append("quest/secret.example.yaml")'
check "k8s broken: an example Secret in the kustomization fails" \
  fails_with "Secret quest: rendered by the kustomization" k8s_checked "$broken"

broken=$(copy cronjob-seccomp)
mutate "$broken/k8s/backup/backup-cronjob.yaml" '
del docs[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["securityContext"]["seccompProfile"]'
check "k8s broken: a backup CronJob without seccomp RuntimeDefault fails" \
  fails_with "CronJob quest-backup container backup: seccompProfile is not RuntimeDefault" \
  k8s_checked "$broken"

broken=$(copy nats-escalation)
mutate "$broken/k8s/nats/statefulset.yaml" '
nats = docs[0]["spec"]["template"]["spec"]["containers"][0]
nats["securityContext"]["allowPrivilegeEscalation"] = True'
check "k8s broken: a StatefulSet container allowed to escalate privileges fails" \
  fails_with "StatefulSet nats container nats: allowPrivilegeEscalation is not false" \
  k8s_checked "$broken"

broken=$(copy open-metrics)
mutate "$broken/k8s/quest/networkpolicy.yaml" '
for rule in docs[0]["spec"]["ingress"]:
    if {"port": 9464, "protocol": "TCP"} in rule.get("ports", []):
        del rule["from"]'
check "k8s broken: quest's metrics open to every namespace fails" \
  fails_with "NetworkPolicy of quest: port 9464 reachable from namespace default" \
  k8s_checked "$broken"

broken=$(copy reads-on-primary)
mutate "$broken/compose/docker-compose.replica.yml" '
for name in ("quest", "notification", "social"):
    del docs[0]["services"][name]["environment"]'
check "compose broken: a replica stack whose reads stay on the primary fails" \
  fails_with "quest: replica context, but DB_READ_HOST = DB_HOST" compose_checked "$broken" replica

broken=$(copy every-address)
mutate "$broken/compose/docker-compose.yml" \
  'docs[0]["services"]["social"]["ports"] = ["50053:50051"]'
check "compose broken: a port published on every address fails" \
  fails_with "social: host port 50053 published on every address" compose_checked "$broken" dev

echo "$((checks - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
