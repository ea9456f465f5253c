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
