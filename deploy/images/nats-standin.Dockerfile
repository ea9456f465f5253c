# Stands in for Docker Hub's nats:2.9, which is not reachable here: Debian
# 12's nats-server (2.9.10) with the official image's ENTRYPOINT, ports and
# default config, plus wget for the compose health check
# (`wget -q -O- http://127.0.0.1:8222/healthz`).
#
#   podman run localhost/quest-ecosystem/nats-standin:2.9 -js -sd /data -m 8222
FROM debian:bookworm-slim

# A fixed uid, made before the package so its postinst keeps it.
RUN groupadd --system --gid 998 nats && \
    useradd --system --uid 998 --gid 998 --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin nats
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes; \
    apt-get update -qq; \
    apt-get install -y -qq --no-install-recommends nats-server wget >/dev/null; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt/* /var/log/dpkg.log
# The official image's default config: clients on 4222 and monitoring on
# 8222, every interface. /data: a JetStream store directory (-sd /data) the
# non-root user owns, for a named volume to take over.
RUN mkdir -p /etc/nats && \
    printf '%s\n' 'port: 4222' 'monitor_port: 8222' >/etc/nats/nats-server.conf && \
    install -d -o nats -g nats -m 0750 /data

ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER 998:998
EXPOSE 4222 6222 8222
ENTRYPOINT ["nats-server"]
CMD ["--config", "/etc/nats/nats-server.conf"]
