"""C++ code generation for .proto files with the system protoc and grpc_cpp_plugin.

Usage (in proto/quest/v1/BUILD.bazel):

    cc_grpc_library(
        name = "quest",
        srcs = ["quest.proto"],
        deps = ["//proto/common/v1:common"],
    )

gives a cc_library `:quest` with the messages and the gRPC stubs, included as
"proto/quest/v1/quest.pb.h" and "proto/quest/v1/quest.grpc.pb.h", and the
list of every service's methods for the serving core,
"proto/quest/v1/quest_methods.h" (bazel/grpc_methods.awk says what it holds;
common/grpc/method_table.h reads it). A streaming method fails the build
unless `method_lists = False`.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")
load("//bazel:embed.bzl", "cc_embedded_text")

_PROTOC = "/usr/bin/protoc"
_GRPC_PLUGIN = "/usr/bin/grpc_cpp_plugin"
_METHODS_AWK = "//bazel:grpc_methods.awk"

def _outputs(srcs, strip_dir = ""):
    outs = []
    for src in srcs:
        base = src[:-len(".proto")]
        if strip_dir:
            base = base[len(strip_dir) + 1:] if base.startswith(strip_dir + "/") else base
        outs += [base + ".pb.h", base + ".pb.cc", base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    return outs

def _method_list(name, srcs, pkg, paths):
    """Writes <name>_methods.h from the descriptors of `srcs` (no python here)."""
    header = name + "_methods.h"
    includes = " ".join([pkg + "/" + s[:-len(".proto")] + ".grpc.pb.h" for s in srcs])
    guard = (pkg + "/" + header).upper().replace("/", "_").replace(".", "_").replace("-", "_") + "_"
    native.genrule(
        name = name + "_method_list",
        srcs = [":" + name + "_proto_files"],
        outs = [header],
        tools = [_METHODS_AWK],
        cmd = " ".join([
            "set -o pipefail;",
            _PROTOC,
            "-I.",
            "-I/usr/include",
            "--descriptor_set_out=$@.descriptor_set",
            paths,
            "&&",
            _PROTOC,
            "--decode=google.protobuf.FileDescriptorSet",
            "-I/usr/include",
            "/usr/include/google/protobuf/descriptor.proto",
            "<$@.descriptor_set",
            "| awk -v includes='%s' -v guard=%s -f $(location %s) >$@;" % (includes, guard, _METHODS_AWK),
            "status=$$?; rm -f $@.descriptor_set; exit $$status",
        ]),
        message = "method list " + paths,
    )
    return header

def cc_grpc_library(name, srcs, deps = [], visibility = None, method_lists = True, **kwargs):
    """Generates messages + gRPC stubs for `srcs` (files of this package).

    deps: other cc_grpc_library targets whose .proto files `srcs` import.
    method_lists: also write <name>_methods.h (unary methods only; False for
    a .proto with streaming methods, which the serving core cannot host).
    """
    native.filegroup(
        name = name + "_proto_files",
        srcs = srcs + [d + "_proto_files" for d in deps],
        visibility = visibility,
    )
    pkg = native.package_name()
    paths = " ".join([pkg + "/" + s for s in srcs])
    outs = _outputs(srcs)
    native.genrule(
        name = name + "_codegen",
        srcs = [":" + name + "_proto_files"],
        outs = outs,
        cmd = " ".join([
            _PROTOC,
            "-I.",
            "-I/usr/include",
            "--cpp_out=$(GENDIR)",
            "--grpc_out=$(GENDIR)",
            "--plugin=protoc-gen-grpc=" + _GRPC_PLUGIN,
            paths,
        ]),
        message = "protoc " + paths,
    )
    method_headers = [_method_list(name, srcs, pkg, paths)] if method_lists else []
    cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")] + method_headers,
        deps = deps + ["//third_party:grpc++", "//third_party:protobuf"],
        visibility = visibility,
        **kwargs
    )

def cc_system_grpc_library(name, proto_root, srcs, visibility = None, **kwargs):
    # kwargs go to the cc_library (e.g. alwayslink, testonly).
    """Like cc_grpc_library, for .proto files installed outside the repo.

    proto_root: the include root, e.g. "/usr/share/grpc-proto".
    srcs: paths below proto_root, e.g. ["grpc/health/v1/health.proto"].
    Headers are included by their path below proto_root.
    """
    outs = _outputs(srcs)
    native.genrule(
        name = name + "_codegen",
        outs = outs,
        cmd = " ".join([
            _PROTOC,
            "-I" + proto_root,
            "-I/usr/include",
            "--cpp_out=$(GENDIR)/" + native.package_name(),
            "--grpc_out=$(GENDIR)/" + native.package_name(),
            "--plugin=protoc-gen-grpc=" + _GRPC_PLUGIN,
            " ".join(srcs),
        ]),
        message = "protoc (system) " + " ".join(srcs),
    )
    cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        includes = ["."],
        deps = ["//third_party:grpc++", "//third_party:protobuf"],
        visibility = visibility,
        **kwargs
    )

def service_api(service, srcs = None):
    """The public API of one service, in proto/<service>/v1:

    :<service>          messages + gRPC stubs for callers
    :service_config     the documented client service config (deadlines,
                        retries on UNAVAILABLE for idempotent RPCs only) as
                        <service>::v1::k<Service>ServiceConfigJson, for
                        gRPC C++: each timeout 2 s longer than the file's,
                        which gRPC C-core starts 1-2 s early
                        (grpc_core_timeouts.awk says why)
    """
    cc_grpc_library(
        name = service,
        srcs = srcs or [service + ".proto"],
        visibility = ["//visibility:public"],
    )
    cc_embedded_text(
        name = "service_config",
        src = "service_config.json",
        awk_filter = "//bazel:grpc_core_timeouts.awk",
        awk_args = "-v skew=2",
        symbol = "k%sServiceConfigJson" % service.capitalize(),
        namespace = service + "::v1",
        visibility = ["//visibility:public"],
    )
    native.exports_files(["service_config.json"])
