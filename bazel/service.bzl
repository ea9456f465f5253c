"""The binaries every service has, built the same way for each."""

load("@rules_cc//cc:defs.bzl", "cc_binary")

# What every RPC handler library of a service builds on (common/grpc/handler.h
# and the API conventions): `deps = HANDLER_DEPS + [...]`.
HANDLER_DEPS = [
    "//common/api:keyset_page",
    "//common/api:validation",
    "//common/base:status_macros",
    "//common/grpc:async_handler",
    "//common/grpc:handler",
]

def service_binaries(service, deps = []):
    """Defines :<service>_server (from main.cc) and :migrate for `service`.

    Both embed migrations/<service>/*.sql; the server applies them before
    serving when MIGRATE_ON_START is on.
    """
    cc_binary(
        name = service + "_server",
        srcs = ["main.cc"],
        deps = [
            "//common/service:service_main",
            "//migrations:%s_embedded" % service,
            "//proto/%s/v1:%s" % (service, service),
            "//third_party:tcmalloc",
        ] + deps,
    )
    cc_binary(
        name = "migrate",
        srcs = ["//common/migrate:migrate_main.cc"],
        local_defines = ['QS_SERVICE_NAME=\\"%s\\"' % service],
        deps = [
            "//common/migrate:embedded_migrations",
            "//common/migrate:migrate_cli",
            "//migrations:%s_embedded" % service,
        ],
    )

def isolation_probes(service, all_services):
    """Deliberate violations of service isolation, never built by //...:
    one manual target per other service that depends on that service's
    binary. tests/isolation/check_dependency_isolation.sh builds each one and
    expects Bazel to refuse it (the other service's code is not visible)."""
    for other in all_services:
        if other == service:
            continue
        native.cc_library(
            name = "uses_" + other,
            data = ["//%s:%s_server" % (other, other)],
            tags = ["manual"],
        )
