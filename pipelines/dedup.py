"""Exact and near-duplicate clusters of articles (syndicated copies, light edits).

`cluster_duplicates` keeps every row and says which cluster it belongs to:

- exact: same text after normalisation (lower case, punctuation and whitespace collapsed),
  grouped on a 64-bit polars hash of the normalised text;
- near: one-permutation MinHash over word 5-shingles (64 bins) with LSH banding (16 bands × 4 rows,
  candidate threshold ≈ 0.5), candidates verified by exact shingle Jaccard ≥ `threshold`
  (default 0.8), and connected components over the verified pairs.

Everything on the hot path is polars or numpy over exploded words/shingles; there is no
Python loop per article. The cluster id is the `article_id` of the cluster's first article
(earliest by the ordering column, ties and nulls by input order); that first article, and every
article without duplicates, points at itself with `dup_kind` null. Other members have
`dup_kind` 'exact' (same normalised text as the first) or 'near'.
"""

from __future__ import annotations

import numpy as np
import polars as pl

SHINGLE = 5
NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
THRESHOLD = 0.8
_CHUNK_ROWS = 2_000_000  # shingles hashed at a time in `minhash`
MAX_BUCKET = 64  # LSH buckets larger than this pair each member with the bucket's first only
_DOC_BATCH = 5_000  # documents shingled at a time, to bound the exploded frame
_SEED = 0x5EED

_U64 = np.uint64
_PRIME = _U64(0x100000001B3)
_M1 = _U64(0xBF58476D1CE4E5B9)
_M2 = _U64(0x94D049BB133111EB)


def normalise(text: pl.Expr) -> pl.Expr:
    """Lower case, punctuation → space, whitespace collapsed, trimmed."""
    # one pass: runs of non-word characters (or `_`) become one space; single spaces, the
    # most common run, are left unmatched (fewer matches is what makes replace_all fast)
    return (text.fill_null("").str.to_lowercase()
            .str.replace_all(r"[\W_]{2,}|[^\w ]|_", " ")
            .str.strip_chars())


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (wrapping uint64 arithmetic)."""
    h = h ^ (h >> _U64(30))  # a new array: the rest works in place
    h *= _M1
    h ^= h >> _U64(27)
    h *= _M2
    h ^= h >> _U64(31)
    return h


def shingles(norm: pl.Series, k: int = SHINGLE, offset: int = 0,
             unique: bool = True) -> pl.DataFrame:
    """(doc, shingle) pairs of word k-shingles, in doc order; `doc` = row position + offset.

    Texts with fewer than k words have no shingles (they can still be exact duplicates).
    With `unique=False` repeated shingles of a doc are kept (fine for MinHash, cheaper).
    """
    words = (pl.DataFrame({"w": norm})
             .with_row_index("doc", offset=offset)
             .with_columns(pl.col("w").str.split(" "))
             .explode("w")
             .filter(pl.col("w").is_not_null() & (pl.col("w") != "")))
    doc = words["doc"].to_numpy()
    wh = words["w"].hash(seed=_SEED).to_numpy().astype(np.uint64, copy=False)
    n = len(wh) - (k - 1)
    if n <= 0:
        return pl.DataFrame({"doc": [], "sh": []}, schema={"doc": pl.UInt32, "sh": pl.UInt64})
    valid = doc[:n] == doc[k - 1:]
    h = wh[:n].copy()
    for j in range(1, k):
        h *= _PRIME
        h += wh[j:n + j]
    out = pl.DataFrame({"doc": doc[:n][valid].astype(np.uint32), "sh": _mix(h[valid])})
    return out.unique(maintain_order=True) if unique else out


def minhash(sh: pl.DataFrame, n_docs: int, num_perm: int = NUM_PERM) -> np.ndarray:
    """One-permutation MinHash signatures (n_docs × num_perm, uint32) of (doc, sh) rows.

    Each shingle hash falls in one of `num_perm` bins by its low bits and keeps its high bits
    as the value; a signature slot is the minimum value of its bin (Li, Owen & Zhang 2012).
    One pass of hashing and a scatter-min (`np.minimum.at`), instead of `num_perm` hash
    functions per shingle. Empty bins (very short documents) keep the maximum value.
    """
    sig = np.full(n_docs * num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
    for start in range(0, sh.height, _CHUNK_ROWS):  # bounded temporaries
        chunk = sh.slice(start, _CHUNK_ROWS)
        mixed = _mix(chunk["sh"].to_numpy().astype(np.uint64) ^ _U64(_SEED))
        slot = (chunk["doc"].to_numpy().astype(np.intp) * num_perm
                + (mixed % _U64(num_perm)).astype(np.intp))
        np.minimum.at(sig, slot, (mixed >> _U64(32)).astype(np.uint32))
    return sig.reshape(n_docs, num_perm)


def lsh_pairs(sig: np.ndarray, has: np.ndarray, bands: int = BANDS) -> pl.DataFrame:
    """Candidate pairs (a < b) of documents sharing at least one LSH band."""
    rows = sig.shape[1] // bands
    idx = np.flatnonzero(has)
    frames = []
    for band in range(bands):
        block = sig[idx, band * rows:(band + 1) * rows].astype(np.uint64)
        key = np.full(len(idx), _U64(band + 1), dtype=np.uint64)
        for c in range(rows):
            key = _mix(key * _PRIME + block[:, c])
        frames.append(pl.DataFrame({"key": key, "doc": idx.astype(np.uint32)}))
    if not frames:
        return pl.DataFrame(schema={"a": pl.UInt32, "b": pl.UInt32})
    buckets = (pl.concat(frames)
               .with_columns(pl.len().over("key").alias("size"))
               .filter(pl.col("size") > 1))
    small = buckets.filter(pl.col("size") <= MAX_BUCKET).select("key", "doc")
    pairs = (small.join(small, on="key", suffix="_b")
             .filter(pl.col("doc") < pl.col("doc_b"))
             .select(pl.col("doc").alias("a"), pl.col("doc_b").alias("b")))
    big = (buckets.filter(pl.col("size") > MAX_BUCKET)
           .with_columns(pl.col("doc").min().over("key").alias("first"))
           .filter(pl.col("doc") != pl.col("first"))
           .select(pl.col("first").alias("a"), pl.col("doc").alias("b")))
    return pl.concat([pairs, big]).unique()


def jaccard(pairs: pl.DataFrame, sh: pl.DataFrame) -> pl.DataFrame:
    """Exact shingle-set Jaccard for each (a, b) pair."""
    sizes = sh.group_by("doc").agg(pl.len().alias("n"))
    inter = (pairs.join(sh, left_on="a", right_on="doc")
             .join(sh, left_on=["b", "sh"], right_on=["doc", "sh"])
             .group_by("a", "b").agg(pl.len().alias("inter")))
    return (pairs.join(inter, on=["a", "b"], how="left")
            .with_columns(pl.col("inter").fill_null(0))
            .join(sizes.rename({"doc": "a", "n": "na"}), on="a")
            .join(sizes.rename({"doc": "b", "n": "nb"}), on="b")
            .with_columns((pl.col("inter") / (pl.col("na") + pl.col("nb") - pl.col("inter")))
                          .alias("jaccard")))


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Union-find over edges by hooking and pointer jumping: each node's smallest member."""
    parent = np.arange(n, dtype=np.int64)
    if len(a) == 0:
        return parent
    a = a.astype(np.int64)
    b = b.astype(np.int64)
    while True:
        ra, rb = parent[a], parent[b]
        lo, hi = np.minimum(ra, rb), np.maximum(ra, rb)
        before = parent.copy()
        np.minimum.at(parent, hi, lo)
        while True:  # compress
            nxt = parent[parent]
            if np.array_equal(nxt, parent):
                break
            parent = nxt
        if np.array_equal(parent, before):
            return parent


def cluster_duplicates(
    articles: pl.DataFrame,
    *,
    order_by: str | None = None,
    threshold: float = THRESHOLD,
) -> pl.DataFrame:
    """`article_id, dup_cluster, dup_kind` for every input row (see the module doc).

    `articles` needs `article_id` and `text`; `order_by` (default `published_at` when present)
    decides which article of a cluster is first, with nulls and ties in input order.
    """
    if order_by is None and "published_at" in articles.columns:
        order_by = "published_at"
    sort_cols = ([order_by] if order_by else []) + ["_row"]
    df = (articles.select(pl.col("article_id").cast(pl.String), "text",
                          *([order_by] if order_by else []))
          .with_row_index("_row")
          .sort(sort_cols, nulls_last=True)
          .with_row_index("_ord")
          .with_columns(normalise(pl.col("text")).alias("_norm")))
    df = df.with_columns(pl.col("_norm").hash(seed=_SEED).alias("_exact"))
    # exact: first member of each normalised-text group (empty texts are never duplicates)
    df = df.with_columns(
        pl.when(pl.col("_norm") == "").then(pl.col("_ord"))
        .otherwise(pl.col("_ord").min().over("_exact")).alias("_exact_first"))
    reps = df.filter(pl.col("_ord") == pl.col("_exact_first"))
    n_reps = reps.height
    rep_ord = reps["_ord"].to_numpy()

    # near: over exact-group representatives only, docs numbered 0..n_reps-1 in order
    parts = [shingles(reps["_norm"].slice(i, _DOC_BATCH), offset=i, unique=False)
             for i in range(0, n_reps, _DOC_BATCH)]
    sh = pl.concat(parts) if parts else shingles(pl.Series([], dtype=pl.String))
    sig = minhash(sh, n_reps)
    has = np.zeros(n_reps, dtype=bool)
    if sh.height:
        has[sh["doc"].unique().to_numpy()] = True
    cand = lsh_pairs(sig, has)
    if cand.height:
        cand_docs = pl.concat([cand["a"], cand["b"]]).unique()
        cand_sh = sh.filter(pl.col("doc").is_in(cand_docs.implode())).unique()
        scored = jaccard(cand, cand_sh)
        edges = scored.filter(pl.col("jaccard") >= threshold)
    else:
        edges = pl.DataFrame(schema={"a": pl.UInt32, "b": pl.UInt32})
    root = components(n_reps, edges["a"].to_numpy(), edges["b"].to_numpy())

    rep_root = pl.DataFrame({"_exact_first": rep_ord, "_first": rep_ord[root]},
                            schema={"_exact_first": pl.UInt32, "_first": pl.UInt32})
    df = df.join(rep_root, on="_exact_first", how="left")
    first = df.select(pl.col("_ord").alias("_first"), pl.col("article_id").alias("dup_cluster"),
                      pl.col("_exact").alias("_first_exact"))
    out = df.join(first, on="_first", how="left").with_columns(
        pl.when(pl.col("_ord") == pl.col("_first")).then(None)
        .when(pl.col("_exact") == pl.col("_first_exact")).then(pl.lit("exact"))
        .otherwise(pl.lit("near")).alias("dup_kind"))
    return (out.sort("_row")
            .select(pl.col("article_id"), pl.col("dup_cluster").cast(pl.String),
                    pl.col("dup_kind").cast(pl.String)))
