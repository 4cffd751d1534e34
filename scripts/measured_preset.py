#!/usr/bin/env python3
"""Turns a calibrated probe profile into a GPU preset: what the probe measured (read bandwidth,
GEMM rates, FMA rate, launch overhead, per-class efficiencies, CUDA-visible memory) over the
datasheet preset of the same GPU, which keeps what a single-GPU probe cannot measure (the HBM
capacity, NVLink and the network, rates the probe did not measure). The result is a preset
like any other: drop it into model/presets/gpus/ and it is compiled in as `--gpu NAME`.

  scripts/measured_preset.py validation/h200/gpu-profile.json --base h200 \
      --provenance "validation/h200 (commit abc123, driver 580.x)" -o model/presets/gpus/h200-measured.json
"""
import argparse
import json
import os
import sys

PRESETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model", "presets", "gpus")

# nvidia-smi's product name → the datasheet preset it is measured against (most specific first).
BASES = [("H200", "h200"), ("H100 PCIe", "h100-pcie"), ("H100", "h100-sxm"), ("H800", "h800"), ("A100-SXM4-40GB", "a100-40gb"),
         ("A100 40GB", "a100-40gb"), ("A100", "a100-80gb"), ("B200", "b200"), ("L40S", "l40s"), ("L4", "l4"), ("4090", "rtx-4090"),
         ("MI300X", "mi300x")]


def base_for(device_name):
    for needle, preset in BASES:
        if needle.lower() in device_name.lower():
            return preset
    return None


def merge(profile, base, provenance):
    if not profile.get("calibrated"):
        raise ValueError("the profile is not calibrated (write it with `attncost probe --calibrate -o FILE`)")
    out = dict(base)
    out["name"] = f"{base['name']} (measured)"
    out["source"] = (f"measured by attncost probe --calibrate on {profile['name']}: {provenance}. "
                     f"Capacity, links and unmeasured rates from the datasheet preset: {base['source']}")
    out["calibrated"] = True
    out["efficiency"] = profile["efficiency"]
    out["hbm_bandwidth_Bps"] = profile["hbm_bandwidth_Bps"]
    out["vector_flops"] = profile["vector_flops"]
    out["launch_latency_s"] = profile["launch_latency_s"]
    peaks = dict(base.get("peak_flops", {}))
    measured = {k: v for k, v in profile.get("peak_flops", {}).items() if v > 0}
    # fp32 in a profile is the FMA loop (no tensor cores): the datasheet's tensor-core fp32 stays.
    measured.pop("fp32", None)
    peaks.update(measured)
    out["peak_flops"] = peaks
    visible = profile.get("hbm_bytes", 0)  # what the device reported as its total: the CUDA-visible memory
    if 0.8 * base["hbm_bytes"] <= visible <= base["hbm_bytes"]:
        out["cuda_visible_bytes"] = visible
        out["cuda_visible_source"] = f"the measured device's reported total ({provenance})"
    else:
        print(f"measured_preset.py: the device reported {visible:.4g} B, not 80-100% of the preset's {base['hbm_bytes']:.4g} B of HBM: "
              "kept the preset's visible memory (is --base the right GPU?)", file=sys.stderr)
    for key in ("l2_bytes", "sms"):
        if profile.get(key, 0) > 0:
            out[key] = profile[key]
    out["measured_fields"] = sorted(["hbm_bandwidth_Bps", "vector_flops", "launch_latency_s", "efficiency"] +
                                    [f"peak_flops.{k}" for k in measured])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("profile", help="a calibrated profile (attncost probe --calibrate -o FILE)")
    ap.add_argument("--base", help="the datasheet preset (default: chosen from the profile's device name)")
    ap.add_argument("--provenance", required=True, help="where the measurement lives: folder, commit, driver")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    with open(args.profile) as f:
        profile = json.load(f)
    base_name = args.base or base_for(profile.get("name", ""))
    if not base_name:
        print(f"measured_preset.py: no datasheet preset for '{profile.get('name')}'; name one with --base", file=sys.stderr)
        return 2
    with open(os.path.join(PRESETS, base_name + ".json")) as f:
        base = json.load(f)
    try:
        merged = merge(profile, base, args.provenance)
    except (KeyError, ValueError) as e:
        print(f"measured_preset.py: {args.profile}: {e}", file=sys.stderr)
        return 2
    with open(args.output, "w") as f:
        json.dump(merged, f, indent=2)
        f.write("\n")
    print(f"{args.output}: {merged['name']} (base preset {base_name})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
