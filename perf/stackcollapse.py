#!/usr/bin/env python3
"""Folds `perf script` output into one line per distinct stack: "root;...;leaf COUNT".

    perf script -i perf.data | perf/stackcollapse.py > stacks.folded
    perf/stackcollapse.py --summary stacks.folded      # where the samples went, as text

The folded format is Brendan Gregg's (FlameGraph's stackcollapse-perf.pl), which Debian does not
package; perf/flamegraph.py draws it. Each sample of `perf script` is a header line
("comm pid time: period event:") followed by one indented line per frame, leaf first:
"<address> <symbol>+0x<offset> (<dso>)", and a blank line. Offsets are dropped so that samples
in the same function fold together; kernel frames get FlameGraph's "_[k]" suffix (drawn in
their own colour); frames perf could not name become "[dso]". A sample without frames (recorded
without -g) becomes "comm;[unknown]". Uses only the standard library.
"""
import argparse
import collections
import os
import re
import sys

# "    ffffffff81e8ef17 kfree_skbmem+0x37 ([kernel.kallsyms])" — the symbol may hold spaces
# (demangled C++), the dso is the last parenthesised group.
FRAME = re.compile(r"^\s+([0-9a-fA-F]+)\s+(.*?)\s+\((.*)\)\s*$")
OFFSET = re.compile(r"\+0x[0-9a-fA-F]+$")
ENTRY_EXIT = re.compile(r"^(?:__raw_callee_save_|syscall_|exit_to_user_mode|irqentry_|__pv_)")
SYSCALL_PREFIX = re.compile(r"^(?:__(?:x64|ia32|se)_sys_|__do_sys_|ksys_|do_)")


def frame_name(symbol, dso):
    symbol = OFFSET.sub("", symbol)
    if symbol in ("", "[unknown]"):
        base = os.path.basename(dso) if dso not in ("", "unknown") else "unknown"
        symbol = "[" + base + "]"
    if dso.startswith("[kernel"):
        return symbol + "_[k]"
    return symbol


def fold(lines):
    """Returns a Counter of "comm;root;...;leaf" -> samples."""
    stacks = collections.Counter()
    comm, frames = None, []

    def finish():
        if comm is None:
            return
        names = [n.replace(";", ":") for n in reversed(frames)] or ["[unknown]"]
        stacks[";".join([comm] + names)] += 1

    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            finish()
            comm, frames = None, []
            continue
        if line[0] not in " \t":
            finish()
            frames = []
            # The comm may hold spaces; it ends where the pid (or pid/tid) field starts.
            m = re.match(r"^(.*?)\s+\d+(?:/\d+)?\s", line)
            comm = (m.group(1) if m else line.split()[0]).replace(";", ":").replace(" ", "_")
            continue
        m = FRAME.match(line)
        if m and comm is not None:
            frames.append(frame_name(m.group(2), m.group(3)))
    finish()
    return stacks


def read_folded(path):
    stacks = collections.Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if stack and count.isdigit():
                stacks[stack] += int(count)
    return stacks


def summary(stacks, top):
    """Where the samples went: kernel vs user leaves, each syscall and each user function inclusive."""
    total = sum(stacks.values())
    if total == 0:
        return "no samples\n"
    kernel_leaf = sum(n for s, n in stacks.items() if s.endswith("_[k]"))
    syscalls, user_incl = collections.Counter(), collections.Counter()
    for stack, n in stacks.items():
        frames = stack.split(";")[1:]
        # The syscall is the kernel function that the entry code calls (do_writev, __x64_sys_readv,
        # ...); kernel frames outside any syscall are interrupts and softirqs.
        if any(f.endswith("_[k]") for f in frames):
            name = "(kernel, outside a syscall: interrupts, softirqs)"
            for i, f in enumerate(frames[:-1]):
                if f in ("do_syscall_64_[k]", "do_fast_syscall_32_[k]", "x64_sys_call_[k]"):
                    callee = frames[i + 1]
                    if callee == "x64_sys_call_[k]":
                        continue
                    name = callee[: -len("_[k]")]
                    # Samples in the entry/exit path itself (in VMs the timer tick often lands
                    # where interrupts are re-enabled) cannot be told apart by syscall.
                    if ENTRY_EXIT.match(name):
                        name = "(syscall entry and exit)"
                    else:
                        name = SYSCALL_PREFIX.sub("", name)
                    break
            syscalls[name] += n
        for f in set(frames):
            if not f.endswith("_[k]"):
                user_incl[f] += n
    out = [
        "samples: %d" % total,
        "leaf in the kernel: %.1f%%   leaf in user space: %.1f%%"
        % (100.0 * kernel_leaf / total, 100.0 * (total - kernel_leaf) / total),
        "",
        "kernel share per syscall (the function the syscall entry calls, prefixes do_/__x64_sys_ dropped):",
    ]
    for name, n in syscalls.most_common(top):
        out.append("  %6.1f%%  %s" % (100.0 * n / total, name))
    out += ["", "inclusive share per user-space function (its callees, kernel included):"]
    for name, n in user_incl.most_common(top):
        out.append("  %6.1f%%  %s" % (100.0 * n / total, name))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", nargs="?", help="perf script output (default stdin), or a folded file with --summary")
    ap.add_argument("--summary", action="store_true", help="read folded stacks and print where the samples went")
    ap.add_argument("--top", type=int, default=15, help="rows per table of --summary")
    args = ap.parse_args()
    if args.summary:
        if not args.input:
            ap.error("--summary needs a folded file")
        sys.stdout.write(summary(read_folded(args.input), args.top))
        return 0
    src = open(args.input, encoding="utf-8", errors="replace") if args.input else sys.stdin
    with src:
        stacks = fold(src)
    for stack in sorted(stacks):
        sys.stdout.write("%s %d\n" % (stack, stacks[stack]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
