"""Are two carbonmc HDF5 files the same, bit for bit, but for their provenance?

usage: h5_same.py A.h5 B.h5
Compares every group, dataset (type, shape and bytes) and attribute (type and value)
of the two files, in both directions; the root attribute `created` (when the file
was written) is the only thing allowed to differ. Exit status 0 if they are the
same, 1 with the differences listed if not.
"""
import sys

import h5py
import numpy as np

IGNORED = {("/", "created")}


def norm(v, f):
    """A value with its object references replaced by the names they point to."""
    if isinstance(v, h5py.Reference):
        return ("ref", f[v].name if v else None)
    if isinstance(v, np.ndarray):
        if v.dtype.names:
            return [tuple(norm(x[k], f) for k in v.dtype.names) for x in v.ravel()]
        if v.dtype.kind == "O":
            return (v.shape, [norm(x, f) for x in v.ravel()])
        return (str(v.dtype), v.shape, v.tobytes())
    if isinstance(v, np.generic):
        return (str(v.dtype), v.tobytes())
    return v


def same_value(a, fa, b, fb):
    return norm(a, fa) == norm(b, fb)


def compare(fa, fb, out):
    names = {"/"}
    fa.visit(lambda n: names.add("/" + n))
    other = {"/"}
    fb.visit(lambda n: other.add("/" + n))
    for n in sorted(names ^ other):
        out.append(f"{n}: only in {'the first' if n in names else 'the second'} file")
    for n in sorted(names & other):
        a, b = fa[n], fb[n]
        if type(a) is not type(b):
            out.append(f"{n}: a {type(a).__name__} and a {type(b).__name__}")
            continue
        if isinstance(a, h5py.Dataset):
            if a.dtype != b.dtype or a.shape != b.shape:
                out.append(f"{n}: {a.dtype}{a.shape} and {b.dtype}{b.shape}")
            elif not same_value(a[()], fa, b[()], fb):
                out.append(f"{n}: the values differ")
        for k in sorted(set(a.attrs) | set(b.attrs)):
            if (n, k) in IGNORED:
                continue
            if k not in a.attrs or k not in b.attrs:
                out.append(f"{n} attribute {k}: only in one file")
            elif not same_value(a.attrs[k], fa, b.attrs[k], fb):
                out.append(f"{n} attribute {k}: the values differ")


def main():
    out = []
    with h5py.File(sys.argv[1], "r") as fa, h5py.File(sys.argv[2], "r") as fb:
        compare(fa, fb, out)
    for line in out[:20]:
        print(line)
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main())
