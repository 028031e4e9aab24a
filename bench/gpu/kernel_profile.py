#!/usr/bin/env python3
"""Per-kernel device time of ssmix calls, from PyTorch's profiler (CUPTI sees every kernel of the
process, ssmix's included). usage: kernel_profile.py --lib ... --header ... [--shape S1] [--ops ssd,hydra]"""
import argparse
import sys

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import torch_compare as tc  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--header", required=True)
    ap.add_argument("--shape", default="S1")
    ap.add_argument("--ops", default="ssd,hydra")
    args = ap.parse_args()
    sx = tc.Ssmix(args.lib, args.header, "cuda")
    sx.use_stream(torch.cuda.current_stream().cuda_stream)
    shape = tc.SHAPES[args.shape]
    b, L, H, P, N, G, Q, io = shape
    gen = torch.Generator(device="cuda")
    gen.manual_seed(7)
    inp = tc.make_inputs(shape, "cuda", gen, True)
    for op in args.ops.split(","):
        out = torch.empty(b, L, H, P, dtype=io, device="cuda")
        grads = {g: torch.empty_like(inp[src]) for g, src in tc.GRAD_OF[op].items()}
        f = {fld: inp[src] for fld, src in tc.INPUT_FIELDS[op].items()}
        mode = 1 if op == "bimamba" else 0

        def call(fwd):
            g = dict(f)
            if fwd:
                g["out"] = out
            else:
                g["dout"] = inp["dout"]
                g.update(grads)
            if op == "ssd":
                sx.ssd(fwd, g, Q)
            else:
                sx.qsmix(fwd, g, Q, mode)

        call(True), call(False)
        torch.cuda.synchronize()
        for fwd in (True, False):
            with profile(activities=[ProfilerActivity.CUDA]) as prof:
                call(fwd)
                torch.cuda.synchronize()
            print("==== %s %s %s" % (args.shape, op, "forward" if fwd else "backward"))
            print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=20, max_name_column_width=40))


if __name__ == "__main__":
    main()
