#!/usr/bin/env python3
"""Draws folded stacks ("root;...;leaf COUNT" lines, from perf/stackcollapse.py) as a flame graph.

    perf/flamegraph.py stacks.folded --title "nelson-bench-server, NULL 16x16" > flame.svg

One rectangle per frame: the x axis is the share of samples (not time order; siblings are sorted
by name so that the same stack always lands in the same place), the y axis the stack depth with
the root at the bottom. Hover a rectangle for its name, samples and percentage (an SVG <title>);
open the file in a browser. Colours: kernel frames ("_[k]") orange, nelson's own code (nelson::)
blue, other user code (libc, libstdc++, the allocator) warm yellow-red; the shade comes from a
hash of the name, so a function keeps its colour between graphs. Self-contained: standard
library only, no script in the SVG.
"""
import argparse
import html
import sys
import zlib

FONT_SIZE = 12
FRAME_HEIGHT = 16
CHAR_WIDTH = 0.59 * FONT_SIZE  # an average glyph of a sans-serif font, to decide what text fits
PAD_TOP, PAD_BOTTOM, PAD_SIDE = 40, 24, 10


class Node:
    __slots__ = ("name", "count", "children")

    def __init__(self, name):
        self.name, self.count, self.children = name, 0, {}

    def child(self, name):
        node = self.children.get(name)
        if node is None:
            node = self.children[name] = Node(name)
        return node


def read_tree(lines):
    root = Node("all")
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        root.count += n
        node = root
        for frame in stack.split(";"):
            node = node.child(frame)
            node.count += n
    return root


def depth_of(node):
    return 1 + max((depth_of(c) for c in node.children.values()), default=0)


def colour(name):
    h = zlib.crc32(name.encode("utf-8", "replace"))
    v1, v2 = (h & 0xFF) / 255.0, ((h >> 8) & 0xFF) / 255.0
    if name.endswith("_[k]"):  # kernel: orange
        return "rgb(%d,%d,%d)" % (230 + 25 * v1, 120 + 60 * v2, 40 + 30 * v1)
    if "nelson::" in name:  # nelson: blue
        return "rgb(%d,%d,%d)" % (90 + 50 * v1, 150 + 50 * v2, 230 + 25 * v1)
    return "rgb(%d,%d,%d)" % (225 + 30 * v1, 90 + 110 * v2, 50 + 30 * v1)  # other user code: hot


def fit(text, width):
    chars = int((width - 6) / CHAR_WIDTH)
    if chars < 3:
        return ""
    return text if len(text) <= chars else text[: chars - 2] + ".."


def render(root, title, width, min_width):
    levels = depth_of(root)
    height = PAD_TOP + levels * FRAME_HEIGHT + PAD_BOTTOM
    scale = (width - 2 * PAD_SIDE) / max(root.count, 1)
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="%d" height="%d" '
        'viewBox="0 0 %d %d" font-family="Verdana, DejaVu Sans, sans-serif" font-size="%d">'
        % (width, height, width, height, FONT_SIZE),
        '<rect x="0" y="0" width="100%" height="100%" fill="#f8f8f4"/>',
        '<text x="%d" y="24" text-anchor="middle" font-size="%d">%s</text>'
        % (width // 2, FONT_SIZE + 4, html.escape(title)),
        '<text x="%d" y="%d" fill="#555">%d samples; width = share of samples, hover for details</text>'
        % (PAD_SIDE, height - 8, root.count),
    ]
    drawn = [0]

    def draw(node, x, level):
        w = node.count * scale
        if w < min_width:
            return
        y = height - PAD_BOTTOM - (level + 1) * FRAME_HEIGHT
        name = html.escape(node.name)
        pct = 100.0 * node.count / max(root.count, 1)
        out.append(
            '<g><title>%s (%d samples, %.2f%%)</title><rect x="%.1f" y="%d" width="%.1f" height="%d" '
            'fill="%s" rx="2"/>' % (name, node.count, pct, x, y, w, FRAME_HEIGHT - 1, colour(node.name))
        )
        label = fit(node.name, w)
        if label:
            out.append('<text x="%.1f" y="%d">%s</text>' % (x + 3, y + FRAME_HEIGHT - 4, html.escape(label)))
        out.append("</g>")
        drawn[0] += 1
        for child in sorted(node.children.values(), key=lambda c: c.name):
            draw(child, x, level + 1)
            x += child.count * scale

    draw(root, PAD_SIDE, 0)
    out.append("</svg>")
    return "\n".join(out) + "\n", drawn[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", nargs="?", help="folded stacks (default stdin)")
    ap.add_argument("--title", default="Flame graph", help="the heading")
    ap.add_argument("--width", type=int, default=1200, help="in pixels")
    ap.add_argument("--min-width", type=float, default=0.1, help="frames narrower than this (pixels) are left out")
    args = ap.parse_args()
    src = open(args.input, encoding="utf-8") if args.input else sys.stdin
    with src:
        root = read_tree(src)
    if root.count == 0:
        sys.stderr.write("flamegraph.py: no samples in the input\n")
        return 1
    svg, _ = render(root, args.title, args.width, args.min_width)
    sys.stdout.write(svg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
