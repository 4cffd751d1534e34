#!/usr/bin/env python3
"""Mutation sites of the cost model for scripts/mutate.sh --random: every binary arithmetic operator
(+ - * / and += -= *= /=) and every integer or floating literal in model/ and estimators/ (*.cc, *.h),
outside comments, string and character literals and preprocessor lines. A site's mutant flips the
operator (+ <-> -, * <-> /) or adds one to the literal. A seeded sample is uniform over all sites and
the same for the same seed and tree.

A sample depends on every site of the tree, so any edit to model/ or estimators/ draws another one.
With AT (a git revision) the sample is drawn from that revision's tree and each site is found again
in ROOT's tree by its source line (the same trimmed line, the same operator or literal, the same place
among the line's sites; the nearest such line): a kill table made at AT can be re-run as the tree
moves on. A site whose line has changed since AT is "gone" (offset None).

Usage: scripts/mutate_sites.py ROOT N SEED [AT]  -> the sample, numbered, in file order.
       scripts/mutate_sites.py ROOT --count  -> the number of sites per file.
"""
import random, re, subprocess, sys
from decimal import Decimal
from pathlib import Path

DIRS = ("model", "estimators")
# Keywords after which + - * are unary (or a pointer/deref), never a binary operator.
NOT_OPERAND = {"return", "case", "co_return", "throw", "sizeof", "alignof", "new", "delete", "operator",
               "const", "constexpr", "auto", "char", "int", "double", "float", "void", "bool", "long",
               "short", "unsigned", "signed", "struct", "class", "typename", "else", "do", "in"}
FLIP = {"+": "-", "-": "+", "*": "/", "/": "*", "+=": "-=", "-=": "+=", "*=": "/=", "/=": "*="}
NUMBER = re.compile(r"(0[xX][0-9a-fA-F']+|(?:\d[\d']*\.?[\d']*|\.\d[\d']*)(?:[eE][+-]?\d+)?)([uUlLfF]*)")
IDENT = re.compile(r"[A-Za-z_]\w*")


def tokens(src):
    """(kind, text, offset) for identifiers, numbers and punctuators; skips comments, string and
    character literals (raw strings too) and preprocessor lines."""
    i, n, line_start = 0, len(src), True
    while i < n:
        c = src[i]
        if c == "\n":
            line_start = True; i += 1; continue
        if c in " \t\r":
            i += 1; continue
        if line_start and c == "#":  # a preprocessor line, with its continuations
            while i < n and not (src[i] == "\n" and src[i - 1] != "\\"):
                i += 1
            continue
        line_start = False
        if src.startswith("//", i):
            i = src.find("\n", i); i = n if i < 0 else i; continue
        if src.startswith("/*", i):
            i = src.index("*/", i) + 2; continue
        m = re.match(r'(?:u8|[uUL])?R"([^(\s]*)\(', src[i:i + 40])
        if m:
            end = src.index(")" + m.group(1) + '"', i + m.end())
            yield ("str", src[i:end], i); i = end + len(m.group(1)) + 2; continue
        m = re.match(r'(?:u8|[uUL])?(["\'])', src[i:i + 4])
        if m and (c in "\"'" or src[i + m.end() - 1] in "\"'"):
            q, j = m.group(1), i + m.end()
            while src[j] != q:
                j += 2 if src[j] == "\\" else 1
            yield ("str", src[i:j + 1], i); i = j + 1; continue
        m = IDENT.match(src, i)
        if m:
            yield ("id", m.group(), i); i = m.end(); continue
        m = NUMBER.match(src, i)
        if m and (c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit())):
            yield ("num", m.group(), i); i = m.end(); continue
        for op in ("->*", "<<=", ">>=", "->", "++", "--", "+=", "-=", "*=", "/=", "::", "<<", ">>", "&&", "||",
                   "==", "!=", "<=", ">=", "%="):
            if src.startswith(op, i):
                yield ("op", op, i); i += len(op); break
        else:
            yield ("op", c, i); i += 1


def plus_one(lit):
    """The literal plus one, written as a literal of the same kind (suffix kept)."""
    m = NUMBER.fullmatch(lit)
    body, suffix = m.group(1).replace("'", ""), m.group(2)
    if body[:2].lower() == "0x":
        return hex(int(body, 16) + 1) + suffix
    if re.fullmatch(r"\d+", body):
        return str(int(body) + 1) + suffix
    d = Decimal(body) + 1
    text = format(d, "f")
    return (text if "." in text else text + ".0") + suffix


def sites_of(root, rel, src=None):
    src = (root / rel).read_text(encoding="utf-8") if src is None else src
    toks = list(tokens(src))
    out = []
    for k, (kind, text, off) in enumerate(toks):
        prev = toks[k - 1] if k else ("op", ";", -1)
        nxt = toks[k + 1] if k + 1 < len(toks) else ("op", ";", len(src))
        if kind == "num":
            out.append((off, text, plus_one(text)))
        elif kind == "op" and text in FLIP:
            operand_before = (prev[0] == "num" or prev[1] in (")", "]")
                              or (prev[0] == "id" and prev[1] not in NOT_OPERAND))
            if not operand_before or prev[1] == "operator":
                continue
            if text == "*":
                # Project style writes a binary * with a space on both sides and a pointer as "T* p";
                # an asymmetric star is a declarator.
                before, after = src[off - 1] in " \t\n", src[off + 1] in " \t\n"
                if before != after:
                    continue
            if text in ("+", "-") and nxt[1] in (">", ",") :  # template arguments never end in a sign
                continue
            out.append((off, text, FLIP[text]))
    lines = []
    for off, old, new in out:
        line_no = src.count("\n", 0, off) + 1
        a = src.rfind("\n", 0, off) + 1
        b = src.find("\n", off); b = len(src) if b < 0 else b
        line = src[a:b]
        col = off - a
        lines.append({"file": rel, "offset": off, "line": line_no, "old": old, "new": new,
                      "from": line.strip(), "to": (line[:col] + new + line[col + len(old):]).strip()})
    for i, s in enumerate(lines):  # the place among its line's sites (to find the site again at another revision)
        s["nth"] = sum(1 for t in lines[:i] if t["line"] == s["line"])
    return lines


def all_sites(root):
    files = sorted(str(p.relative_to(root)) for d in DIRS for p in (root / d).iterdir()
                   if p.suffix in (".cc", ".h"))
    return [s for f in files for s in sites_of(root, f)]


def sites_at(root, rev):
    """all_sites of the tree at git revision REV (read with git, the working tree untouched)."""
    git = lambda *a: subprocess.run(["git", "-C", str(root), *a], check=True, capture_output=True,
                                    text=True).stdout
    files = sorted(f for d in DIRS for f in git("ls-tree", "--name-only", rev, d + "/").split()
                   if f.endswith((".cc", ".h")))
    return [s for f in files for s in sites_of(root, f, git("show", f"{rev}:{f}"))]


def found_again(root, site, cache):
    """The site of ROOT's tree with the same file, line text, mutation and place in the line, on the
    nearest line; a copy of SITE with offset None when its line is gone."""
    if site["file"] not in cache:
        cache[site["file"]] = sites_of(root, site["file"]) if (root / site["file"]).exists() else []
    same = [s for s in cache[site["file"]] if (s["from"], s["old"], s["new"], s["nth"]) ==
            (site["from"], site["old"], site["new"], site["nth"])]
    if not same:
        return dict(site, offset=None)
    return min(same, key=lambda s: abs(s["line"] - site["line"]))


def sample(root, n, seed, at=None):
    """N sites drawn uniformly without replacement by a seeded generator, in file order (drawn at
    revision AT and found again in ROOT's tree, when AT is given)."""
    sites = sites_at(root, at) if at else all_sites(root)
    chosen = [sites[i] for i in sorted(random.Random(seed).sample(range(len(sites)), min(n, len(sites))))]
    if at:
        cache = {}
        chosen = [found_again(root, s, cache) for s in chosen]
    return chosen, len(sites)


def main():
    root = Path(sys.argv[1])
    if sys.argv[2] == "--count":
        per = {}
        for s in all_sites(root): per[s["file"]] = per.get(s["file"], 0) + 1
        for f, c in sorted(per.items(), key=lambda x: -x[1]): print(f"{c:6} {f}")
        print(f"{sum(per.values()):6} in all"); return
    at = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
    chosen, total = sample(root, int(sys.argv[2]), int(sys.argv[3]), at)
    print(f"{len(chosen)} of {total} sites, seed {sys.argv[3]}" + (f", drawn at {at}" if at else ""))
    for i, s in enumerate(chosen):
        gone = "  (GONE: the line has changed)" if s["offset"] is None else ""
        print(f"[{i:02}] {s['file']}:{s['line']}  {s['old']} -> {s['new']}{gone}  | {s['from'][:120]}")


if __name__ == "__main__":
    main()
