# The runtime image every service image starts FROM: Debian 12 with exactly
# the shared libraries the servers, migrate tools and health probe load.
#
# Decision (issue 15): the servers are dynamically linked against Debian 12's
# runtime libraries. Debian ships no static libnats, spdlog, fmt, tcmalloc or
# prometheus-cpp, so a fully static server cannot be built here; instead this
# one shared image holds those libraries, installed from Debian's archive
# with `apt-get install --no-install-recommends`. The package list
# (runtime-packages.txt) is computed by deploy/images/runtime-packages.sh
# from the Bazel-built binaries themselves (ldd, then dpkg -S of each
# library), never written by hand, so it cannot drift from what is linked.
#
# Built by deploy/images/build.sh; the context holds runtime-packages.txt only.
FROM debian:bookworm-slim

COPY runtime-packages.txt /usr/share/quest-ecosystem/runtime-packages.txt

# ca-certificates is the one need ldd cannot see: the notification service's
# push providers (FCM, APNs over libcurl) verify TLS against the system CAs.
# apt's lists and downloaded .debs go in the same layer, so no package
# manager cache is left in the image. base-files leaves /usr/include empty;
# removing it (rmdir fails if a package put headers there) makes "no
# headers" checkable as "no /usr/include" (check_images.sh).
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes; \
    apt-get update -qq; \
    apt-get install -y -qq --no-install-recommends ca-certificates \
        $(cat /usr/share/quest-ecosystem/runtime-packages.txt) >/dev/null; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old \
        /var/log/apt/* /var/log/dpkg.log; \
    rmdir /usr/include

# The non-root user every service runs as; numeric so that Kubernetes'
# runAsNonRoot can verify it without reading /etc/passwd.
RUN groupadd --gid 10001 app && \
    useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin app
USER 10001:10001
