"""Embeds a text file (e.g. a gRPC service config) as a C++ string constant."""

load("@rules_cc//cc:defs.bzl", "cc_library")

def cc_embedded_text(name, src, symbol, namespace, awk_filter = None, awk_args = "", visibility = None):
    """cc_library `name` with header `<name>.h` declaring
    `inline constexpr char <namespace>::<symbol>[]` holding the file's text,
    passed through the awk program `awk_filter` (with `awk_args`) if given."""
    hdr = name + ".h"
    text = "cat $(location " + src + ")"
    origin = src
    srcs = [src]
    if awk_filter:
        text = "awk " + awk_args + " -f $(location " + awk_filter + ") $(location " + src + ")"
        origin = src + " through " + awk_filter
        srcs.append(awk_filter)
    native.genrule(
        name = name + "_embed",
        srcs = srcs,
        outs = [hdr],
        cmd = ("(echo '// Generated from " + origin + "; edit those.'; " +
               "echo '#pragma once'; " +
               "echo 'namespace " + namespace + " {'; " +
               "echo 'inline constexpr char " + symbol + "[] = R\"json('; " +
               text + "; echo ')json\";'; echo '}') > $@"),
    )
    cc_library(name = name, hdrs = [hdr], visibility = visibility)

def cc_embedded_migrations(name, srcs, service, visibility = None):
    """cc_library `name` defining qs::migrate::EmbeddedMigrations() (declared
    in common/migrate/embedded_migrations.h) to return the given .sql files,
    so a binary carries its own service's migrations. Link exactly one."""
    src = name + ".cc"
    native.genrule(
        name = name + "_source",
        srcs = srcs,
        outs = [src],
        cmd = ("(echo '// Generated: the migrations of " + service + ".'; " +
               "echo '#include \"common/migrate/embedded_migrations.h\"'; " +
               "echo 'namespace qs::migrate {'; " +
               "echo 'const std::vector<MigrationFile>& EmbeddedMigrations() {'; " +
               "echo '  static const auto* files = new std::vector<MigrationFile>{'; " +
               "for f in $(SRCS); do case $$f in *.sql) ;; *) continue ;; esac; " +
               "  if grep -q ')qs_sql\"' $$f; then echo \"$$f contains )qs_sql\\\"\" >&2; exit 1; fi; " +
               "  printf '{\"%s\", R\"qs_sql(' $$(basename $$f); cat $$f; echo ')qs_sql\"},'; " +
               "done; " +
               "echo '  };'; echo '  return *files;'; echo '}'; echo '}') > $@"),
    )
    cc_library(
        name = name,
        srcs = [src],
        deps = ["//common/migrate:embedded_migrations"],
        visibility = visibility,
    )
