#!/usr/bin/env python3
"""Turns a callgrind dump into one results.jsonl record: user-space
instructions per call, in total and split by the part of the program that
ran them (issue 12's "where each instruction goes").

    callgrind_profile.py --dump=callgrind.out.123.1 --calls=2000 --program=quest_server \\
        --labels=binary=after,scenario=get_puzzle,concurrency=20 >>results.jsonl

The dump is callgrind's text format (valgrind's docs, "Callgrind Format
Specification"): "ob=" / "fn=" lines name the object and function that the
cost lines below them belong to, names may be compressed to "(id)" after
their first use, and the cost line right after a "calls=" line is the
inclusive cost of that call, which belongs to the callee, so it is skipped
here. What remains is each function's self cost (Ir, instructions executed);
their sum is the dump's total.

Parts: the program's own code (the binary named by --program: our code and
everything linked statically into it), gRPC core (libgrpc, libgpr, upb,
address_sorting), gRPC C++, protobuf, malloc/free (the allocator: libc's or
tcmalloc, which the servers link, and libstdc++'s operator new/delete), the
rest of libc, libpq, libpqxx, Abseil,
the C++ standard library, logging (spdlog, fmt), OpenSSL, the dynamic
loader, and anything else.
"""
import argparse
import json
import os
import re
import sys

ALLOCATOR_FUNCTION = re.compile(
    r"^(malloc|free|calloc|realloc|cfree|memalign|posix_memalign|aligned_alloc|"
    r"__libc_(malloc|free|calloc|realloc|memalign)|_int_(malloc|free|realloc|memalign)|"
    r"malloc_consolidate|sysmalloc|unlink_chunk|tcache_\w+|_?_?malloc_\w+|"
    r"operator new|operator delete)")

# A replacement allocator: all of it is malloc/free.
ALLOCATOR_LIBRARY = re.compile(r"^lib(tcmalloc|jemalloc)")

# (part, pattern of the object's file name), first match wins.
OBJECT_PARTS = (
    ("gRPC core", re.compile(r"^lib(grpc|gpr|upb|address_sorting)([-_.]|\.so)")),
    ("gRPC C++", re.compile(r"^libgrpc\+\+")),
    ("protobuf", re.compile(r"^libprotobuf")),
    ("libpq", re.compile(r"^libpq\.so")),
    ("libpqxx", re.compile(r"^libpqxx")),
    ("Abseil", re.compile(r"^libabsl_")),
    ("libc", re.compile(r"^libc\.so|^libc-|^libpthread|^libm\.so")),
    ("C++ standard library", re.compile(r"^libstdc\+\+|^libgcc_s")),
    ("logging (spdlog, fmt)", re.compile(r"^lib(spdlog|fmt)")),
    ("OpenSSL", re.compile(r"^lib(ssl|crypto)\.so")),
    ("dynamic loader", re.compile(r"^ld-linux")),
)
# The order the report lists the parts in.
PARTS = ("our code", "gRPC core", "gRPC C++", "protobuf", "malloc/free", "libc", "libpq",
         "libpqxx", "Abseil", "C++ standard library", "logging (spdlog, fmt)", "OpenSSL",
         "dynamic loader", "other")

COMPRESSED = re.compile(r"^\((\d+)\)(?: (.*))?$")


class DumpError(Exception):
    pass


def part_of(object_path, function, program):
    name = os.path.basename(object_path)
    if ALLOCATOR_LIBRARY.search(name) or function.startswith("tcmalloc::"):
        return "malloc/free"
    # libstdc++'s operator new/delete are thin wrappers around malloc/free.
    # (An object callgrind could not name, "???": tcmalloc's operator new
    # and delete, which replace libstdc++'s.)
    if ALLOCATOR_FUNCTION.match(function) and (name.startswith("libc") or
                                               name.startswith("libstdc++") or
                                               name in ("", "???")):
        return "malloc/free"
    if name == program:
        return "our code"
    for part, pattern in OBJECT_PARTS:
        if pattern.search(name):
            return part
    return "other"


def self_costs(lines):
    """{(object, function): self Ir} of a callgrind dump, and its 'totals:' line (or None)."""
    names = {"ob": {}, "fn": {}}
    current = {"ob": "", "fn": ""}
    costs = {}
    totals = None
    skip_next_cost = False
    for raw in lines:
        line = raw.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        first = line[0]
        if first.isdigit() or first in "+-*":
            if skip_next_cost:
                skip_next_cost = False
                continue
            fields = line.split()
            if len(fields) > 1:
                key = (current["ob"], current["fn"])
                costs[key] = costs.get(key, 0) + int(fields[1])
            continue
        key, _, value = line.partition("=")
        if key in ("ob", "fn", "cob", "cfn"):
            kind = key[-2:]
            match = COMPRESSED.match(value)
            if match:
                number, name = match.groups()
                if name is not None:
                    names[kind][number] = name
                elif number not in names[kind]:
                    raise DumpError(f"{kind} ({number}) used before it was named")
                value = names[kind][number]
            if key in ("ob", "fn"):
                current[key] = value
                # A new object or function starts a new block of its own costs.
                skip_next_cost = False
        elif key == "calls":
            skip_next_cost = True
        elif line.startswith("totals:"):
            totals = int(line.split()[1])
    return costs, totals


def profile(path, program, top=12):
    try:
        with open(path, encoding="utf-8", errors="replace") as dump:
            costs, totals = self_costs(dump)
    except FileNotFoundError:
        raise DumpError(f"no callgrind dump at {path}") from None
    total = sum(costs.values())
    if totals is not None and totals != total:
        raise DumpError(f"{path}: self costs add up to {total}, the dump's totals say {totals}")
    parts = dict.fromkeys(PARTS, 0)
    for (object_path, function), cost in costs.items():
        parts[part_of(object_path, function, program)] += cost
    functions = sorted(costs.items(), key=lambda item: -item[1])[:top]
    return total, parts, [(function, part_of(object_path, function, program), cost)
                          for (object_path, function), cost in functions]


def parse_labels(text):
    labels = {}
    for item in filter(None, text.split(",")):
        key, value = item.split("=", 1)
        labels[key] = int(value) if value.isdigit() else value
    return labels


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", required=True, help="a callgrind.out file")
    parser.add_argument("--calls", type=int, required=True, help="calls the dump covers")
    parser.add_argument("--program", required=True, help="the profiled binary's file name")
    parser.add_argument("--labels", default="")
    arguments = parser.parse_args(argv)
    if arguments.calls <= 0:
        parser.error("--calls must be positive")
    try:
        total, parts, functions = profile(arguments.dump, arguments.program)
    except DumpError as error:
        print(f"callgrind_profile.py: {error}", file=sys.stderr)
        return 1
    calls = arguments.calls
    record = {"kind": "instructions", **parse_labels(arguments.labels), "calls": calls,
              "instructions": total, "per_call": round(total / calls),
              "per_call_by_part": {part: round(cost / calls) for part, cost in parts.items()},
              "top_functions": [{"function": function, "part": part,
                                 "per_call": round(cost / calls)}
                                for function, part, cost in functions]}
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
