#!/usr/bin/env python3
"""ssmix next to a PyTorch implementation of the same chunked SSD algorithm, in one process.

Both run on the same PyTorch-allocated inputs: ssmix reaches them through its public C API (ctypes,
ssmix_buffer_wrap on the tensors' memory, ssmix_context_set_native_stream on PyTorch's current
stream), so CUDA events recorded on that stream time both the same way. Every measured call is
checked: ssmix's outputs (forward, and the gradients with --backward) against the PyTorch
reference's, as relative RMS, printed next to the times.

The reference (ssd_chunked below) is the textbook chunked SSD written with einsum/matmul: intra-chunk
quadratic part, chunk states, a quadratic state-passing step over chunks, inter-chunk part. It computes
in float32 from upcast inputs (TF32 matrix products allowed, as PyTorch users commonly run it) and its
backward is PyTorch autograd through it. The mixer references compose two causal calls with flips
(OPS.md section 2): Bi-Mamba2 y = S(x) + flip(S(flip x)) + D x; Hydra y = shift(S_f x) +
flip(shift(S_b flip x)) + delta x.

Floors (docs/benchmarks.md, METHOD.md): bytes each input read once + each output written once over
the measured device-to-device copy bandwidth; model FLOPs (the chunked algorithm's matrix products,
as `ssmix bench` counts them) over the measured matrix-product rate (bf16 for 16-bit I/O, TF32 for
f32 I/O). The larger of the two is the floor.

usage: torch_compare.py --lib build/lib/libssmix.so --header include/ssmix.h [--device cuda|cpu]
                        [--shapes S1,S2,...] [--iters N] [--warmup N] [--json FILE]
--device cpu runs the same code on the cpu backend with CPU tensors (tiny shapes; a check of this
script, not a benchmark).
"""
import argparse
import ctypes as C
import json
import math
import re
import sys
import time

import torch

# ------------------------------------------------------------------------------------------ ssmix API

SSMIX_F32, SSMIX_F16, SSMIX_BF16, SSMIX_I32 = 0, 1, 2, 3
DTYPES = {torch.float32: SSMIX_F32, torch.float16: SSMIX_F16, torch.bfloat16: SSMIX_BF16, torch.int32: SSMIX_I32}


class Tensor(C.Structure):
    _fields_ = [("buffer", C.c_void_p), ("offset", C.c_size_t), ("dtype", C.c_int), ("ndim", C.c_int),
                ("shape", C.c_int64 * 8), ("strides", C.c_int64 * 8)]


class SsdParams(C.Structure):
    _fields_ = [("chunk_size", C.c_int64), ("dt_softplus", C.c_int), ("dt_min", C.c_float), ("dt_max", C.c_float)]


class QsmixParams(C.Structure):
    _fields_ = [("mode", C.c_int), ("chunk_size", C.c_int64), ("dt_softplus", C.c_int), ("dt_min", C.c_float),
                ("dt_max", C.c_float)]


def tensor_struct_fields(header_text, typename):
    """The pointer fields of `typedef struct <typename> {...}` in ssmix.h, in order (read from the
    header the library was built from, so the ctypes layout always matches it)."""
    m = re.search(r"typedef struct %s \{(.*?)\} %s;" % (typename, typename), header_text, re.S)
    if not m:
        raise SystemExit("torch_compare: %s not found in the header" % typename)
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    names = []
    for decl in body.split(";"):
        decl = decl.strip()
        if not decl:
            continue
        if not decl.startswith("const ssmix_tensor"):
            raise SystemExit("torch_compare: unexpected field in %s: %s" % (typename, decl))
        names += [n.strip().lstrip("*").strip() for n in decl[len("const ssmix_tensor"):].split(",")]
    return names


class Ssmix:
    def __init__(self, lib_path, header_path, selector):
        self.lib = C.CDLL(lib_path)
        L = self.lib
        L.ssmix_last_error.restype = C.c_char_p
        L.ssmix_context_device.restype = C.c_char_p
        text = open(header_path).read()
        self.ssd_fields = tensor_struct_fields(text, "ssmix_ssd_tensors")
        self.qsmix_fields = tensor_struct_fields(text, "ssmix_qsmix_tensors")
        self.SsdTensors = type("SsdTensors", (C.Structure,), {"_fields_": [(n, C.POINTER(Tensor)) for n in self.ssd_fields]})
        self.QsmixTensors = type("QsmixTensors", (C.Structure,), {"_fields_": [(n, C.POINTER(Tensor)) for n in self.qsmix_fields]})
        self.ctx = C.c_void_p()
        self.check(L.ssmix_context_create(C.byref(self.ctx), selector.encode()), "ssmix_context_create")
        self.device = L.ssmix_context_device(self.ctx).decode()
        self.wrapped = {}  # data_ptr -> (buffer, tensor struct) kept alive

    def check(self, status, what):
        if status != 0:
            raise RuntimeError("%s failed (%d): %s" % (what, status, self.lib.ssmix_last_error().decode()))

    def use_stream(self, stream_handle):
        self.check(self.lib.ssmix_context_set_native_stream(self.ctx, b"cuda", C.c_void_p(stream_handle)),
                   "ssmix_context_set_native_stream")

    def view(self, t):
        """An ssmix_tensor over torch tensor t (no copy)."""
        if t is None:
            return None
        key = (t.data_ptr(), tuple(t.shape), tuple(t.stride()), t.dtype)
        if key in self.wrapped:
            return self.wrapped[key][1]
        nbytes = (1 + sum((s - 1) * st for s, st in zip(t.shape, t.stride()))) * t.element_size()
        buf = C.c_void_p()
        self.check(self.lib.ssmix_buffer_wrap(self.ctx, C.c_void_p(t.data_ptr()), C.c_size_t(nbytes), C.byref(buf)),
                   "ssmix_buffer_wrap")
        ts = Tensor()
        ts.buffer, ts.offset, ts.dtype, ts.ndim = buf.value, 0, DTYPES[t.dtype], t.dim()
        for i, (s, st) in enumerate(zip(t.shape, t.stride())):
            ts.shape[i], ts.strides[i] = s, st
        self.wrapped[key] = (buf, ts)
        return ts

    def _fill(self, struct_type, fields):
        s = struct_type()
        for name, t in fields.items():
            v = self.view(t)
            if v is not None:
                setattr(s, name, C.pointer(v))
        return s

    def ssd(self, fwd, fields, Q):
        p = SsdParams(Q, 1, 0.0, float("inf"))
        fn = self.lib.ssmix_ssd_forward if fwd else self.lib.ssmix_ssd_backward
        self.check(fn(self.ctx, C.byref(p), C.byref(self._fill(self.SsdTensors, fields))), "ssmix_ssd_%s" % ("forward" if fwd else "backward"))

    def qsmix(self, fwd, fields, Q, mode):
        p = QsmixParams(mode, Q, 1, 0.0, float("inf"))
        fn = self.lib.ssmix_qsmix_forward if fwd else self.lib.ssmix_qsmix_backward
        self.check(fn(self.ctx, C.byref(p), C.byref(self._fill(self.QsmixTensors, fields))), "ssmix_qsmix_%s" % ("forward" if fwd else "backward"))

    def sync(self):
        self.check(self.lib.ssmix_synchronize(self.ctx), "ssmix_synchronize")


# ------------------------------------------------------------------------------------ PyTorch reference

def ssd_chunked(x, dt, A, B, C_, Q):
    """Causal SSD (no D, no z): y_t = sum_{s<=t} C_t.B_s dt_s exp(A sum_{k=s+1..t} dt_k) x_s, chunked.
    x (b,L,H,P) f32, dt (b,L,H) f32 (already softplus'ed), A (H), B/C (b,L,G,N) f32."""
    b, L, H, P = x.shape
    G, N = B.shape[2], B.shape[3]
    nc = (L + Q - 1) // Q
    pad = nc * Q - L
    if pad:  # zero dt and x in the padding: no contribution, no decay
        x = torch.nn.functional.pad(x, (0, 0, 0, 0, 0, pad))
        dt = torch.nn.functional.pad(dt, (0, 0, 0, pad))
        B = torch.nn.functional.pad(B, (0, 0, 0, 0, 0, pad))
        C_ = torch.nn.functional.pad(C_, (0, 0, 0, 0, 0, pad))
    rep = H // G
    x = x.reshape(b, nc, Q, H, P)
    dA = (dt * A).reshape(b, nc, Q, H).permute(0, 3, 1, 2)          # (b,H,c,Q)
    xdt = x * dt.reshape(b, nc, Q, H, 1)
    Bh = B.reshape(b, nc, Q, G, N).repeat_interleave(rep, dim=3)      # (b,c,Q,H,N)
    Ch = C_.reshape(b, nc, Q, G, N).repeat_interleave(rep, dim=3)
    cum = torch.cumsum(dA, dim=-1)                                    # (b,H,c,Q)
    seg = cum[..., :, None] - cum[..., None, :]                       # (b,H,c,Q,Q)
    causal = torch.ones(Q, Q, dtype=torch.bool, device=x.device).tril()
    decay = torch.exp(seg.masked_fill(~causal, -math.inf))
    scores = torch.einsum("bclhn,bcshn->bhcls", Ch, Bh) * decay
    y = torch.einsum("bhcls,bcshp->bclhp", scores, xdt)
    # chunk states and their passing across chunks
    w = torch.exp(cum[..., -1:] - cum)                                # (b,H,c,Q)
    states = torch.einsum("bclhn,bhcl,bclhp->bchpn", Bh, w, xdt)
    tot = cum[..., -1]                                                # (b,H,c)
    tot0 = torch.nn.functional.pad(tot, (1, 0))                       # (b,H,c+1)
    ctot = torch.cumsum(tot0, dim=-1)
    cseg = ctot[..., :, None] - ctot[..., None, :]
    cmask = torch.ones(nc + 1, nc + 1, dtype=torch.bool, device=x.device).tril()
    cdecay = torch.exp(cseg.masked_fill(~cmask, -math.inf))           # (b,H,c+1,c+1)
    states0 = torch.cat([torch.zeros_like(states[:, :1]), states], dim=1)
    passed = torch.einsum("bhzc,bchpn->bzhpn", cdecay, states0)[:, :-1]  # state entering each chunk
    y = y + torch.einsum("bclhn,bchpn,bhcl->bclhp", Ch, passed, torch.exp(cum))
    return y.reshape(b, nc * Q, H, P)[:, :L]


def dt_pipeline(dt, dt_bias):
    return torch.nn.functional.softplus(dt.float() + dt_bias).clamp(min=0.0)


def ref_ssd(inp, Q):
    dt = dt_pipeline(inp["dt"], inp["dt_bias"])
    y = ssd_chunked(inp["x"].float(), dt, inp["A"], inp["B"].float(), inp["C"].float(), Q)
    return y + inp["x"].float() * inp["D"][:, None]


def shift_down(y):
    return torch.nn.functional.pad(y[:, :-1], (0, 0, 0, 0, 1, 0))


def ref_qsmix(inp, Q, hydra):
    x = inp["x"].float()
    fl = lambda t: torch.flip(t, dims=[1])
    if hydra:
        dtf, dtb = dt_pipeline(inp["dt"], inp["dt_bias"]), dt_pipeline(inp["dt_b"], inp["dt_bias"])
        yf = ssd_chunked(x, dtf, inp["A"], inp["B"].float(), inp["C"].float(), Q)
        yb = ssd_chunked(fl(x), fl(dtb), inp["A"], fl(inp["B_b"].float()), fl(inp["C_b"].float()), Q)
        return shift_down(yf) + fl(shift_down(yb)) + x * inp["delta"].float()[..., None]
    dt = dt_pipeline(inp["dt"], inp["dt_bias"])
    B, C_ = inp["B"].float(), inp["C"].float()
    yf = ssd_chunked(x, dt, inp["A"], B, C_, Q)
    yb = ssd_chunked(fl(x), fl(dt), inp["A"], fl(B), fl(C_), Q)
    return yf + fl(yb) + x * inp["D"][:, None]


# ------------------------------------------------------------------------------------------- harness

SHAPES = {  # b, L, H, P, N, G, Q, dtype (issue 6)
    "S1": (8, 4096, 32, 64, 128, 1, 256, torch.bfloat16),
    "S2": (1, 8192, 128, 64, 128, 1, 256, torch.bfloat16),
    "S3": (16, 4096, 8, 128, 128, 8, 64, torch.bfloat16),
    "S4": (2, 8192, 4, 16, 16, 4, 128, torch.float32),
    "S5": (1, 131072, 16, 64, 64, 1, 256, torch.float32),
    "T1": (1, 300, 4, 16, 8, 2, 64, torch.float32),  # tiny: --device cpu self-check
    "T2": (2, 130, 4, 8, 16, 1, 32, torch.bfloat16),
}


def make_inputs(shape, dev, gen, grads):
    b, L, H, P, N, G, Q, io = shape
    rn = lambda *s: torch.randn(*s, generator=gen, device=dev)
    inp = {
        "x": rn(b, L, H, P).to(io),
        "dt": (rn(b, L, H) * 0.5 - 2.0).to(io),
        "A": -torch.exp(torch.rand(H, generator=gen, device=dev)),
        "B": rn(b, L, G, N).to(io),
        "C": rn(b, L, G, N).to(io),
        "D": rn(H),
        "dt_bias": rn(H),
        "dt_b": (rn(b, L, H) * 0.5 - 2.0).to(io),
        "B_b": rn(b, L, G, N).to(io),
        "C_b": rn(b, L, G, N).to(io),
        "delta": rn(b, L, H).to(io),
        "dout": rn(b, L, H, P).to(io),
    }
    return inp


GRAD_OF = {  # ssmix gradient field -> input name, per operator
    "ssd": {"dx": "x", "ddt": "dt", "dA": "A", "dB": "B", "dC": "C", "dD": "D", "ddt_bias": "dt_bias"},
    "bimamba": {"dx": "x", "ddt_f": "dt", "dA": "A", "dB_f": "B", "dC_f": "C", "dD": "D", "ddt_bias": "dt_bias"},
    "hydra": {"dx": "x", "ddt_f": "dt", "ddt_b": "dt_b", "dA": "A", "dB_f": "B", "dC_f": "C", "dB_b": "B_b",
              "dC_b": "C_b", "ddelta": "delta", "ddt_bias": "dt_bias"},
}
INPUT_FIELDS = {
    "ssd": {"x": "x", "dt": "dt", "A": "A", "B": "B", "C": "C", "D": "D", "dt_bias": "dt_bias"},
    "bimamba": {"x": "x", "dt_f": "dt", "A": "A", "B_f": "B", "C_f": "C", "D": "D", "dt_bias": "dt_bias"},
    "hydra": {"x": "x", "dt_f": "dt", "dt_b": "dt_b", "A": "A", "B_f": "B", "C_f": "C", "B_b": "B_b", "C_b": "C_b",
              "delta": "delta", "dt_bias": "dt_bias"},
}


def model_bytes_flops(op, shape, backward):
    """The byte and FLOP models of `ssmix bench` (docs/benchmarks.md)."""
    b, L, H, P, N, G, Q, io = shape
    e = torch.tensor([], dtype=io).element_size()
    names = INPUT_FIELDS[op].values()
    size = {"x": b * L * H * P * e, "dt": b * L * H * e, "dt_b": b * L * H * e, "delta": b * L * H * e,
            "B": b * L * G * N * e, "C": b * L * G * N * e, "B_b": b * L * G * N * e, "C_b": b * L * G * N * e,
            "A": 4 * H, "D": 4 * H, "dt_bias": 4 * H}
    inputs = sum(size[n] for n in names)
    out = b * L * H * P * e
    nbytes = inputs + out
    if backward:
        nbytes += inputs + out + sum(size[n] for n in names)  # inputs + dout read, one gradient per input
    fwd = bwd = 0.0
    for c0 in range(0, L, Q):
        q = min(Q, L - c0)
        fwd += 2 * q * q * N + 2 * q * q * P + 4 * q * P * N + 2 * P * N
        bwd += 6 * q * q * N + 4 * q * q * P + 10 * q * P * N + 4 * P * N
    flops = (fwd + (bwd if backward else 0.0)) * b * H * (1 if op == "ssd" else 2)
    return nbytes, flops


def rel_rms(a, ref):
    a, ref = a.double(), ref.double()
    return float(torch.linalg.vector_norm(a - ref) / max(float(torch.linalg.vector_norm(ref)), 1e-300))


class Timer:
    def __init__(self, dev):
        self.dev = dev

    def run(self, fn, warmup, iters):
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(iters):
            if self.dev == "cuda":
                s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                s.record()
                fn()
                e.record()
                e.synchronize()
                times.append(s.elapsed_time(e))
            else:
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1e3)
        times.sort()
        return times[len(times) // 2]


def measure_ceilings(dev):
    """Device-to-device copy bandwidth (bytes read + written) and matrix-product rates (bf16, TF32)."""
    if dev != "cuda":
        return {"copy_gbps": float("nan"), "bf16_tflops": float("nan"), "tf32_tflops": float("nan")}
    t = Timer(dev)
    a = torch.empty(1 << 30, dtype=torch.uint8, device=dev).random_()
    bb = torch.empty_like(a)
    ms = t.run(lambda: bb.copy_(a), 3, 10)
    copy = 2 * a.numel() / (ms * 1e-3) / 1e9
    del a, bb
    m = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
    ms = t.run(lambda: m @ m, 3, 10)
    bf16 = 2 * 8192 ** 3 / (ms * 1e-3) / 1e12
    m = m.float()
    torch.backends.cuda.matmul.allow_tf32 = True
    ms = t.run(lambda: m @ m, 3, 10)
    tf32 = 2 * 8192 ** 3 / (ms * 1e-3) / 1e12
    return {"copy_gbps": copy, "bf16_tflops": bf16, "tf32_tflops": tf32}


def bench_shape(sx, name, shape, dev, args, ceil):
    b, L, H, P, N, G, Q, io = shape
    gen = torch.Generator(device=dev)
    gen.manual_seed(1234)
    sets = [make_inputs(shape, dev, gen, True) for _ in range(args.rotate)]
    timer = Timer(dev)
    rows = []
    for op in ("ssd", "bimamba", "hydra"):
        for backward in (False, True):
            # ssmix: outputs allocated once; the calls rotate through the input sets
            out = torch.empty(b, L, H, P, dtype=io, device=dev)
            grads = {g: torch.empty_like(sets[0][src]) for g, src in GRAD_OF[op].items()}
            k = [0]

            def ssmix_call():
                inp = sets[k[0] % len(sets)]
                k[0] += 1
                f = {fld: inp[src] for fld, src in INPUT_FIELDS[op].items()}
                f["out"] = out
                if op == "ssd":
                    sx.ssd(True, f, Q)
                else:
                    sx.qsmix(True, f, Q, 1 if op == "bimamba" else 0)
                if backward:
                    del f["out"]
                    f["dout"] = inp["dout"]
                    f.update(grads)
                    if op == "ssd":
                        sx.ssd(False, f, Q)
                    else:
                        sx.qsmix(False, f, Q, 1 if op == "bimamba" else 0)

            def torch_call():
                inp = sets[k[0] % len(sets)]
                k[0] += 1
                if not backward:
                    with torch.no_grad():
                        return ref_ssd(inp, Q) if op == "ssd" else ref_qsmix(inp, Q, op == "hydra")
                leaves = {n: inp[n].detach().requires_grad_(True) for n in INPUT_FIELDS[op].values()}
                full = dict(inp)
                full.update(leaves)
                y = ref_ssd(full, Q) if op == "ssd" else ref_qsmix(full, Q, op == "hydra")
                y.backward(inp["dout"].float())
                return y, {g: leaves[src].grad for g, src in GRAD_OF[op].items()}

            try:
                t_ssmix = timer.run(ssmix_call, args.warmup, args.iters)
                t_torch = timer.run(torch_call, args.warmup, args.iters)
                # check: one more call of each on input set 0
                out.fill_(float("nan"))  # poisoned: an unwritten element fails the check
                for g in grads.values():
                    g.fill_(float("nan"))
                k[0] = 0
                ssmix_call()
                sx.sync()
                k[0] = 0
                r = torch_call()
                y_ref, g_ref = (r, {}) if not backward else r
                errs = {"out": rel_rms(out, y_ref)}
                for g, tref in g_ref.items():
                    errs[g] = rel_rms(grads[g], tref)
                err = None
            except (RuntimeError, torch.cuda.OutOfMemoryError) as ex:  # report, go on with the next row
                t_ssmix = t_torch = float("nan")
                errs, err = {}, str(ex).splitlines()[0][:200]
            nbytes, flops = model_bytes_flops(op, shape, backward)
            rate = ceil["bf16_tflops"] if io != torch.float32 else ceil["tf32_tflops"]
            floor_ms = max(nbytes / (ceil["copy_gbps"] * 1e9), flops / (rate * 1e12)) * 1e3
            row = {"shape": name, "dims": list(shape[:7]), "dtype": str(io).replace("torch.", ""), "op": op,
                   "pass": "fwd+bwd" if backward else "fwd", "ssmix_ms": t_ssmix, "torch_ms": t_torch,
                   "speedup_vs_torch": t_torch / t_ssmix if t_ssmix == t_ssmix else float("nan"),
                   "floor_ms": floor_ms, "ssmix_over_floor": t_ssmix / floor_ms,
                   "ssmix_gbps": nbytes / (t_ssmix * 1e-3) / 1e9, "ssmix_tflops": flops / (t_ssmix * 1e-3) / 1e12,
                   "bytes": nbytes, "flops": flops, "rel_rms_vs_torch": errs, "error": err}
            rows.append(row)
            worst = max(errs.values()) if errs else float("nan")
            print("%-3s %-8s %-7s ssmix %9.3f ms  torch %9.3f ms  x%5.2f vs torch  floor %8.3f ms  x%6.2f of floor"
                  "  worst relRMS %.1e%s" % (name, op, row["pass"], t_ssmix, t_torch, row["speedup_vs_torch"],
                                              floor_ms, row["ssmix_over_floor"], worst,
                                              ("  ERROR " + err) if err else ""), flush=True)
            del out, grads
    del sets
    if dev == "cuda":
        torch.cuda.empty_cache()
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--header", required=True)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--shapes", default="S1,S2,S3,S4,S5")
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--rotate", type=int, default=2)
    ap.add_argument("--json")
    args = ap.parse_args()
    dev = args.device
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    sx = Ssmix(args.lib, args.header, "cuda" if dev == "cuda" else "cpu")
    if dev == "cuda":
        sx.use_stream(torch.cuda.current_stream().cuda_stream)
    ceil = measure_ceilings(dev)
    print("device %s; ceilings: copy %.0f GB/s, bf16 %.0f TFLOP/s, tf32 %.0f TFLOP/s" %
          (sx.device, ceil["copy_gbps"], ceil["bf16_tflops"], ceil["tf32_tflops"]), flush=True)
    rows = []
    for name in args.shapes.split(","):
        rows += bench_shape(sx, name, SHAPES[name], dev, args, ceil)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": sx.device, "torch": torch.__version__, "ceilings": ceil, "iters": args.iters,
                       "warmup": args.warmup, "rotate": args.rotate, "rows": rows}, f, indent=1)
    bad = [r for r in rows if r["error"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
