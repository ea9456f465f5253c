# Stands in for Docker Hub's postgres:15, which is not reachable here:
# Debian 12's postgresql-15 behind the part of the official image's contract
# that deploy/compose relies on (docker-entrypoint.sh says which part).
#
#   podman run -e POSTGRES_PASSWORD=... -v pgdata:/var/lib/postgresql/data \
#       -v ./init:/docker-entrypoint-initdb.d:ro localhost/quest-ecosystem/postgres-standin:15
#   ... postgres -c wal_level=replica     (arguments override, as with the official image)
FROM debian:bookworm-slim

# The official image's postgres user: uid/gid 999, made before the package
# so its postinst keeps it, and so a named volume over PGDATA gets 999's
# ownership from the image.
RUN groupadd --system --gid 999 postgres && \
    useradd --system --uid 999 --gid 999 --home-dir /var/lib/postgresql --shell /bin/bash \
        postgres

# No packaged "main" cluster (the entrypoint makes the cluster in PGDATA);
# apt's lists and .debs go in the same layer.
RUN set -eu; \
    mkdir -p /etc/postgresql-common; \
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf; \
    export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes; \
    apt-get update -qq; \
    apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt/* /var/log/dpkg.log; \
    sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" \
        /usr/share/postgresql/15/postgresql.conf.sample; \
    grep -q "^listen_addresses = '\*'" /usr/share/postgresql/15/postgresql.conf.sample

ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data \
    LANG=C.UTF-8
RUN install -d -o postgres -g postgres -m 0700 "$PGDATA" && \
    install -d -o postgres -g postgres -m 2775 /var/run/postgresql && \
    install -d -m 0755 /docker-entrypoint-initdb.d
VOLUME /var/lib/postgresql/data

COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER 999:999
EXPOSE 5432
# As the official image: SIGINT is PostgreSQL's fast shutdown.
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
