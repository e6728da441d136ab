"""Wheel selection and editing for `grpo-bench bundle` (run by the bundle command, not imported).

    python wheels.py resolve SPEC.json OUT.json
    python wheels.py strip WHEEL PATTERN...

resolve: decides which wheels a target host lacks. It must run on a Python of the target's
major.minor version (markers such as `python_version > "3.11"` are evaluated by pip against the
interpreter running it). It makes a scratch virtual environment in which every package the host
already has is registered as installed (a bare .dist-info with its name and version, or the
version 9999 when the host's version is unknown), asks pip for a dry-run install of the
requirements with a JSON report, and then walks the dependency graph from the requested
packages, evaluating markers for the target, skipping what the host has and what SPEC excludes,
so that packages needed only by an excluded one are left out too.

strip: removes members matching the glob patterns from a wheel, in place, with their RECORD lines.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
import tempfile
import venv
import zipfile


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def make_env(root: str, have: dict[str, str | None]) -> str:
    venv.EnvBuilder(with_pip=True, clear=True).create(root)
    py = os.path.join(root, "bin", "python")
    purelib = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    for name, version in have.items():
        if name in ("pip",):
            continue
        v = version or "9999"
        d = os.path.join(purelib, f"{name.replace('-', '_')}-{v}.dist-info")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "METADATA"), "w") as f:
            f.write(f"Metadata-Version: 2.1\nName: {name}\nVersion: {v}\n")
        with open(os.path.join(d, "INSTALLER"), "w") as f:
            f.write("grpo-bench-bundle\n")
    return py


def resolve(spec_path: str, out_path: str) -> int:
    spec = json.load(open(spec_path))
    have: dict[str, str | None] = {norm(k): v for k, v in spec["have"].items()}
    exclude = {norm(x) for x in spec.get("exclude", [])}
    force = {norm(x) for x in spec.get("forceShip", [])}
    target_py = spec["pythonVersion"]
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if here != target_py:
        print(f"wheels.py: this Python is {here}, the target is {target_py}", file=sys.stderr)
        return 3
    from pip._vendor.packaging.requirements import Requirement  # pip is there: the venv needs it

    with tempfile.TemporaryDirectory(prefix="grpo-bench-resolve-") as tmp:
        py = make_env(os.path.join(tmp, "env"), {k: v for k, v in have.items() if k not in force})
        report = os.path.join(tmp, "report.json")
        cmd = [
            py,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--quiet",
            "--disable-pip-version-check",
            "--only-binary=:all:",
            "--report",
            report,
            *spec.get("pipArgs", []),
            *spec["requirements"],
        ]
        for c in spec.get("constraints", []):
            cmd += ["-c", c]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            err = "\n".join(l for l in r.stderr.splitlines() if not l.startswith("WARNING: Location"))
            json.dump({"ok": False, "error": err[-6000:]}, open(out_path, "w"))
            return 0
        rep = json.load(open(report))

    pkgs = {norm(i["metadata"]["name"]): i for i in rep["install"]}
    env = {
        "python_version": target_py,
        "python_full_version": target_py + ".0",
        "platform_machine": spec.get("machine", "x86_64"),
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    extras: dict[str, set[str]] = {}
    why: dict[str, str] = {}
    skipped_have: dict[str, list[str]] = {}
    skipped_excl: set[str] = set()
    stack = [
        (norm(i["metadata"]["name"]), set(i.get("requested_extras") or []), "(requested)", None)
        for i in rep["install"]
        if i.get("requested")
    ]
    while stack:
        name, ex, parent, req = stack.pop()
        if name in exclude:
            skipped_excl.add(name)
            continue
        if name in have and name not in force:
            if req is not None and name in pkgs:  # pip wanted another version than the host's
                skipped_have.setdefault(name, []).append(f"{parent} wants {req}")
            continue
        if name not in pkgs:
            continue  # satisfied by an installed (host) package through its own name
        before = extras.get(name)
        if before is not None and ex <= before:
            continue
        extras[name] = (before or set()) | ex
        why.setdefault(name, parent)
        for d in pkgs[name]["metadata"].get("requires_dist", []) or []:
            q = Requirement(d)
            active = extras[name] or {""}
            if q.marker is None or any(q.marker.evaluate(dict(env, extra=e)) for e in active):
                stack.append((norm(q.name), set(q.extras), name, str(q)))

    ship = []
    for name in sorted(extras):
        i = pkgs[name]
        ship.append({"name": name, "version": i["metadata"]["version"], "requiredBy": why[name], "url": i["download_info"]["url"]})
    warnings = []
    for name, reasons in sorted(skipped_have.items()):
        hv = have.get(name) or "(version unknown)"
        warnings.append(
            f"{name}: not shipped, the host has {hv}; but {'; '.join(sorted(set(reasons)))} "
            f"(pip would pick {pkgs[name]['metadata']['version']}). Check it on the host, "
            f"or ship it with --force-ship {name}"
        )
    json.dump({"ok": True, "ship": ship, "excluded": sorted(skipped_excl), "warnings": warnings}, open(out_path, "w"), indent=1)
    return 0


def strip(wheel: str, patterns: list[str]) -> int:
    tmp = wheel + ".tmp"
    removed = []
    with zipfile.ZipFile(wheel) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        names = zin.namelist()
        drop = {n for n in names if any(fnmatch.fnmatch(n, p) for p in patterns)}
        for info in zin.infolist():
            if info.filename in drop:
                removed.append(info.filename)
                continue
            data = zin.read(info.filename)
            if info.filename.endswith(".dist-info/RECORD"):
                lines = data.decode().splitlines()
                data = ("\n".join(l for l in lines if l.split(",")[0] not in drop) + "\n").encode()
            zout.writestr(info, data, compress_type=info.compress_type)
    os.replace(tmp, wheel)
    print(json.dumps(removed))
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "resolve":
        sys.exit(resolve(sys.argv[2], sys.argv[3]))
    if len(sys.argv) >= 4 and sys.argv[1] == "strip":
        sys.exit(strip(sys.argv[2], sys.argv[3:]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
