# The backup tool's image (deploy/backup: `backup run|list|prune|verify|
# restore|init-target`, and pitr.sh's pgBackRest), for the Kubernetes
# CronJobs (deploy/k8s/backup). On the shared runtime image, so it runs as
# the same numeric non-root user as the services. The staged context of
# deploy/images/build.sh --backup holds
#   bin/backup              //deploy/backup:backup, -c opt
#   backup-packages.txt     the packages of the libraries it loads
#                           (runtime-packages.sh; most are in the runtime already)
#
#   podman run --env-file backup.env IMAGE run     (ENTRYPOINT is the tool)
ARG RUNTIME_IMAGE=localhost/quest-ecosystem/runtime:dev
FROM ${RUNTIME_IMAGE}

USER root
COPY backup-packages.txt /usr/share/quest-ecosystem/backup-packages.txt
# The tools the backup binary runs: pg_dump/pg_restore 15 (its default
# BACKUP_PG_BIN_DIR, /usr/lib/postgresql/15/bin; a dump must come from a
# pg_dump at least as new as the server), age (encryption), s3cmd (the S3
# target) and pgbackrest (point-in-time recovery). pgbackrest pulls in
# postgresql-common and perl, which ship C headers (perl's CORE and
# Encode, for compiling XS modules) and a C file in postgresql-common's own
# test suite (t/): nothing here compiles or runs those, so dpkg leaves out
# every .h and .c these packages would put under /usr, and the image keeps
# "no headers or sources" (check_images.sh). dpkg matches the whole path
# (`*` spans directories). apt's lists and .debs go in the same layer.
RUN set -eu; \
    printf '%s\n' 'path-exclude /usr/*.h' 'path-exclude /usr/*.c' \
        >/etc/dpkg/dpkg.cfg.d/no-build-inputs; \
    export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes; \
    apt-get update -qq; \
    apt-get install -y -qq --no-install-recommends postgresql-client-15 age s3cmd pgbackrest \
        $(cat /usr/share/quest-ecosystem/backup-packages.txt) >/dev/null; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old \
        /var/log/apt/* /var/log/dpkg.log; \
    if [ -e /usr/include ]; then echo "a package brought /usr/include" >&2; exit 1; fi

COPY bin/backup /usr/local/bin/backup

# The runtime image's user (10001): numeric, so runAsNonRoot can verify it.
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/backup"]
