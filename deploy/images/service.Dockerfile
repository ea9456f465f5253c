# One service's image (ARG SERVICE: quest, notification or social) on the
# shared runtime image (runtime.Dockerfile says why the servers are
# dynamically linked). Only Bazel outputs and SQL are copied in: the staged
# context of deploy/images/build.sh holds
#   bin/<svc>_server  bin/<svc>-migrate  bin/grpc-health-probe
#   migrations/<svc>/*.sql
#
#
#   podman build --build-arg SERVICE=quest --target quest ...  (build.sh does)
#   podman run IMAGE                     the server (PID 1: SIGTERM drains it)
#   podman run --entrypoint <svc>-migrate IMAGE run   migrations (init container)
#
# --target names the service again: an exec-form ENTRYPOINT cannot expand
# ${SERVICE} (Docker expands no variables there), so each service has a
# one-line final stage naming its server.
ARG RUNTIME_IMAGE=localhost/quest-ecosystem/runtime:dev
FROM ${RUNTIME_IMAGE} AS service
ARG SERVICE

# Least-changing first: the probe, then the migrations, then the server.
COPY bin/grpc-health-probe /usr/local/bin/grpc-health-probe
# For inspection only: the binaries embed the same files.
COPY migrations/${SERVICE}/ /usr/share/quest-ecosystem/${SERVICE}/migrations/
COPY bin/${SERVICE}-migrate /usr/local/bin/${SERVICE}-migrate
COPY bin/${SERVICE}_server /usr/local/bin/${SERVICE}_server

# Container defaults (common/config/server_config.h): every interface, the
# well-known gRPC port, metrics for Prometheus. TLS mode, database and
# secrets come from the orchestrator (deploy/production.env.example).
ENV GRPC_LISTEN_ADDRESS=[::]:50051 \
    METRICS_LISTEN_ADDRESS=0.0.0.0:9464
EXPOSE 50051 9464

USER 10001:10001
STOPSIGNAL SIGTERM
# --start-period covers migrations on start; a plaintext probe, as the
# compose stack runs; TLS deployments probe with --tls (Kubernetes sets its
# own exec probes).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/grpc-health-probe", "--addr=127.0.0.1:50051", "--timeout-ms=2000"]

# Exec form: the server is PID 1 and receives SIGTERM itself.
FROM service AS quest
ENTRYPOINT ["/usr/local/bin/quest_server"]

FROM service AS notification
ENTRYPOINT ["/usr/local/bin/notification_server"]

FROM service AS social
ENTRYPOINT ["/usr/local/bin/social_server"]
