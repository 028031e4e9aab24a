#!/usr/bin/env python3
"""Plot torch_compare.py's JSON as an SVG (no dependencies): per shape/operator/pass, horizontal bars
of ssmix, the PyTorch reference and the physical floor, in ms on a log scale.
usage: plot_svg.py <torch_compare.json> <out.svg>"""
import json
import math
import sys


def main():
    data = json.load(open(sys.argv[1]))
    rows = [r for r in data["rows"] if r["ssmix_ms"] == r["ssmix_ms"]]
    series = [("ssmix", "ssmix_ms", "#d62728"), ("PyTorch chunked reference", "torch_ms", "#1f77b4"),
              ("floor (bytes or FLOPs at measured ceilings)", "floor_ms", "#7f7f7f")]
    bar, gap, left, width, top = 7, 8, 190, 560, 60
    lo = math.floor(math.log10(min(r["floor_ms"] for r in rows)))
    hi = math.ceil(math.log10(max(max(r["ssmix_ms"], r["torch_ms"]) for r in rows)))
    x = lambda ms: left + width * (math.log10(ms) - lo) / (hi - lo)
    height = top + len(rows) * (3 * bar + gap) + 40
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="10">'
           % (left + width + 30, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="16" font-size="13">%s: median ms per call (log scale), %s</text>'
           % (data["device"], "CUDA events, same process, same inputs")]
    for i, (name, _, color) in enumerate(series):
        out.append('<rect x="%d" y="26" width="10" height="8" fill="%s"/><text x="%d" y="34">%s</text>'
                   % (10 + i * 200, color, 24 + i * 200, name))
    for d in range(lo, hi + 1):
        xx = x(10 ** d)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (xx, top - 8, xx, height - 30))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%g ms</text>' % (xx, height - 16, 10 ** d))
    y = top
    for r in rows:
        out.append('<text x="%d" y="%d" text-anchor="end">%s %s %s %s</text>'
                   % (left - 6, y + 2 * bar, r["shape"], r["dtype"], r["op"], r["pass"]))
        for k, (_, key, color) in enumerate(series):
            out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
                       % (left, y + k * bar, max(x(r[key]) - left, 1), bar - 1, color))
        y += 3 * bar + gap
    out.append("</svg>")
    open(sys.argv[2], "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
