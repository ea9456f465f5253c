"""Embeds a text file (e.g. a gRPC service config) as a C++ string constant."""

load("@rules_cc//cc:defs.bzl", "cc_library")

def cc_embedded_text(name, src, symbol, namespace, visibility = None):
    """cc_library `name` with header `<name>.h` declaring
    `inline constexpr char <namespace>::<symbol>[]` holding the file's text."""
    hdr = name + ".h"
    native.genrule(
        name = name + "_embed",
        srcs = [src],
        outs = [hdr],
        cmd = ("(echo '// Generated from " + src + "; edit that file.'; " +
               "echo '#pragma once'; " +
               "echo 'namespace " + namespace + " {'; " +
               "echo 'inline constexpr char " + symbol + "[] = R\"json('; " +
               "cat $<; echo ')json\";'; echo '}') > $@"),
    )
    cc_library(name = name, hdrs = [hdr], visibility = visibility)

def cc_embedded_migrations(name, srcs, service, visibility = None):
    """cc_library `name` whose header `<name>.h` declares
    `const std::vector<qs::migrate::MigrationFile>& qs::migrations::<service>::Files()`
    holding the given .sql files, so a binary carries its own migrations."""
    hdr = name + ".h"
    src = name + ".cc"
    native.genrule(
        name = name + "_header",
        outs = [hdr],
        cmd = ("(echo '// Generated: the migrations of " + service + ".'; " +
               "echo '#pragma once'; echo '#include <vector>'; " +
               "echo '#include \"common/migrate/migration_set.h\"'; " +
               "echo 'namespace qs::migrations::" + service + " {'; " +
               "echo 'const std::vector<qs::migrate::MigrationFile>& Files();'; " +
               "echo '}') > $@"),
    )
    native.genrule(
        name = name + "_source",
        srcs = srcs,
        outs = [src],
        cmd = ("(echo '#include \"" + native.package_name() + "/" + hdr + "\"'; " +
               "echo 'namespace qs::migrations::" + service + " {'; " +
               "echo 'const std::vector<qs::migrate::MigrationFile>& Files() {'; " +
               "echo '  static const auto* files = new std::vector<qs::migrate::MigrationFile>{'; " +
               "for f in $(SRCS); do " +
               "  if grep -q ')qs_sql\"' $$f; then echo \"$$f contains )qs_sql\\\"\" >&2; exit 1; fi; " +
               "  printf '{\"%s\", R\"qs_sql(' $$(basename $$f); cat $$f; echo ')qs_sql\"},'; " +
               "done; " +
               "echo '  };'; echo '  return *files;'; echo '}'; echo '}') > $@"),
    )
    cc_library(
        name = name,
        srcs = [src],
        hdrs = [hdr],
        deps = ["//common/migrate:migration_set"],
        visibility = visibility,
    )
