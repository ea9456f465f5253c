#!/usr/bin/env bash
# Creates one service's two Secrets from files, so that no secret value is
# ever part of the kustomization (`kubectl apply -k deploy/k8s` would
# otherwise apply, and on every re-apply overwrite, whatever it held):
#
#   deploy/k8s/create-secrets.sh quest DIR [kubectl create options]
#
# DIR holds one file per key (e.g. on a tmpfs, written by the secret manager):
#   DIR/db-password          the runtime role <svc>_svc (serving container)
#   DIR/db-owner-password    the owner role <svc>_owner (migrate init container)
#   DIR/page-token-key       HMAC key of page tokens, >= 16 bytes, the same in
#                            every replica (openssl rand -hex 32)
#   DIR/privacy-admin-token  bearer token of ops.v1.Privacy, >= 16 bytes
#   DIR/db-ca.crt            the CA that signs the database servers' certificates
#   DIR/tls.crt DIR/tls.key DIR/ca.crt  gRPC mTLS (cert-manager's layout): a
#                            certificate for server AND client auth (the probe
#                            presents it) naming <svc>.quest-ecosystem.svc
# and runs, in namespace quest-ecosystem:
#   kubectl create secret generic <svc> --from-file=db-password=DIR/db-password ...
#   kubectl create secret generic <svc>-grpc-tls --type=kubernetes.io/tls --from-file=...
# Options after DIR go to both (`--dry-run=client -o yaml` prints them instead;
# tests/deploy/manifests_test.sh checks that output against the Deployments).
# A missing or empty file, or a REPLACE-ME placeholder, is refused before
# anything is created.
set -euo pipefail
usage="usage: create-secrets.sh quest|notification|social DIR [kubectl create options]"
[[ $# -ge 2 ]] || { echo "$usage" >&2; exit 2; }
svc=$1 dir=$2
shift 2
case $svc in
  quest | notification | social) ;;
  *) echo "$usage" >&2; exit 2 ;;
esac

runtime_keys=(db-password db-owner-password page-token-key privacy-admin-token db-ca.crt)
tls_keys=(tls.crt tls.key ca.crt)
problems=0
for key in "${runtime_keys[@]}" "${tls_keys[@]}"; do
  file="$dir/$key"
  if [[ ! -s $file ]]; then
    echo "create-secrets: $file is missing or empty" >&2
    problems=1
  elif grep -q REPLACE-ME "$file"; then
    echo "create-secrets: $file still holds a REPLACE-ME placeholder" >&2
    problems=1
  fi
done
# The server refuses shorter ones at start-up; refusing here fails at once.
for key in page-token-key privacy-admin-token; do
  file="$dir/$key"
  if [[ -s $file && $(tr -d '\n' <"$file" | wc -c) -lt 16 ]]; then
    echo "create-secrets: $file is shorter than 16 bytes" >&2
    problems=1
  fi
done
[[ $problems -eq 0 ]] || exit 1

from_files() {  # from_files KEY...: --from-file=KEY=DIR/KEY for each
  local key
  for key in "$@"; do printf -- '--from-file=%s=%s\n' "$key" "$dir/$key"; done
}
mapfile -t runtime_args < <(from_files "${runtime_keys[@]}")
mapfile -t tls_args < <(from_files "${tls_keys[@]}")
kubectl create secret generic "$svc" -n quest-ecosystem "${runtime_args[@]}" "$@"
# With -o/--output the two objects are printed: one YAML stream, not two.
for option in "$@"; do
  if [[ $option == -o* || $option == --output* ]]; then
    echo "---"
    break
  fi
done
kubectl create secret generic "$svc-grpc-tls" -n quest-ecosystem --type=kubernetes.io/tls \
  "${tls_args[@]}" "$@"
