#!/usr/bin/env python3
"""Every ```cpp block in README.md and docs/*.md is a complete translation unit that compiles.

usage: check_doc_snippets.py ROOT OUTDIR CXX [FLAG...]
Writes each block to OUTDIR/<file>_<n>.cpp, compiles it with CXX -fsyntax-only and the flags,
and fails (exit 1) when any block fails or when no block is found. Standard library only.
"""
import pathlib
import re
import subprocess
import sys


def blocks(text):
    return re.findall(r"^```cpp\n(.*?)^```", text, flags=re.M | re.S)


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    root, out, cxx, flags = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4:]
    out.mkdir(parents=True, exist_ok=True)
    docs = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
    failed, total = 0, 0
    for doc in docs:
        for n, code in enumerate(blocks(doc.read_text(encoding="utf-8")), 1):
            total += 1
            name = f"{doc.stem}_{n}.cpp"
            src = out / name
            src.write_text(code, encoding="utf-8")
            cmd = [cxx, "-std=c++20", "-fsyntax-only", *flags, str(src)]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                failed += 1
                print(f"FAIL {doc.relative_to(root)} block {n} ({src}):\n{r.stderr[:4000]}")
            else:
                print(f"ok   {doc.relative_to(root)} block {n}")
    if total == 0:
        print("no ```cpp blocks found: the check would prove nothing")
        return 1
    print(f"{total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
