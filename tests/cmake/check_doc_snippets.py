#!/usr/bin/env python3
"""Every ```cpp block in README.md and docs/*.md is a complete translation unit that compiles.

usage: check_doc_snippets.py ROOT OUTDIR CXX [FLAG...]
Writes each block to OUTDIR/<dir>_<file>_<n>.cpp, compiles it with CXX -fsyntax-only and the
flags, and fails (exit 1) when any block fails or when no block is found.

Two other kinds of fence are allowed and not compiled: ```cpp synopsis (declarations excerpted
from a header for a reference page: they have no bodies) and fences that are not C++ (```sh,
```text, ```cmake, ...). Any other C++-looking fence (```c++, ```cxx, ```cpp with another word)
fails, so no code slips past the compiler by a spelling. When docs/diagnostics.md exists, the
expected regex of every tests/compile_fail/*.cpp must match it, so the page that shows the
diagnostics cannot drift from the diagnostics the compile-fail tests prove. Standard library only.
"""
import concurrent.futures
import os
import pathlib
import re
import subprocess
import sys


def blocks(text):
    return re.findall(r"^```cpp\n(.*?)^```", text, flags=re.M | re.S)


def bad_fences(text):
    """Opening fences that look like C++ but are neither ```cpp nor ```cpp synopsis."""
    bad, inside = [], False
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith("```"):
            continue
        info = line[3:].strip()
        if inside:  # a closing fence
            inside = False
            continue
        inside = True
        lang = info.split()[0].lower() if info else ""
        if lang in ("c++", "cxx", "cc", "c", "hpp", "h") or (lang == "cpp" and info not in ("cpp", "cpp synopsis")):
            bad.append((n, line))
    return bad


def check_diagnostics_page(root):
    """Each compile-fail test's `// expect:` regex (CMake syntax; '.' for ';') matches docs/diagnostics.md."""
    page = root / "docs" / "diagnostics.md"
    if not page.exists():
        return 0
    text = page.read_text(encoding="utf-8")
    missing = 0
    for src in sorted((root / "tests" / "compile_fail").glob("*.cpp")):
        m = re.match(r"// expect: ([^\n]+)", src.read_text(encoding="utf-8"))
        if not m:
            continue
        if re.search(m.group(1).strip(), text):
            print(f"ok   docs/diagnostics.md shows compile_fail.{src.stem}")
        else:
            missing += 1
            print(f"FAIL docs/diagnostics.md does not show the diagnostic of compile_fail.{src.stem} "
                  f"(regex: {m.group(1).strip()})")
    return missing


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    root, out, cxx, flags = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4:]
    out.mkdir(parents=True, exist_ok=True)
    docs = [root / "README.md"] + sorted((root / "docs").glob("*.md"))
    failed, total, fence_failed = 0, 0, 0
    jobs = []  # (label, source, command)
    for doc in docs:
        text = doc.read_text(encoding="utf-8")
        for n, line in bad_fences(text):
            failed += 1
            fence_failed += 1
            print(f"FAIL {doc.relative_to(root)} line {n}: '{line}' is neither ```cpp (compiled) nor ```cpp synopsis")
        for n, code in enumerate(blocks(text), 1):
            total += 1
            name = "_".join(doc.relative_to(root).with_suffix("").parts) + f"_{n}.cpp"
            src = out / name
            src.write_text(code, encoding="utf-8")
            jobs.append((f"{doc.relative_to(root)} block {n}", src, [cxx, "-std=c++20", "-fsyntax-only", *flags, str(src)]))

    def compile_one(job):
        return job, subprocess.run(job[2], capture_output=True, text=True)

    # Two compilers at a time (SQUALL_DOC_JOBS to change): the blocks are independent and each
    # parses all of squall and Asio, so this halves the test's time on the 2-core CI machine.
    workers = max(1, int(os.environ.get("SQUALL_DOC_JOBS", "2")))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for (label, src, _), r in pool.map(compile_one, jobs):
            if r.returncode != 0:
                failed += 1
                print(f"FAIL {label} ({src}):\n{r.stderr[:4000]}")
            else:
                print(f"ok   {label}")
    block_failed = failed - fence_failed
    other = fence_failed + check_diagnostics_page(root)
    if total == 0:
        print("no ```cpp blocks found: the check would prove nothing")
        return 1
    print(f"{total - block_failed} of {total} blocks compiled; {other} other failures")
    return 1 if block_failed or other else 0


if __name__ == "__main__":
    sys.exit(main())
