"""RV801 pairwise-quadratic-scan: RV801: every pair of a collection checked for intersection/distance/collision — O(n²)."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.facts import BindingKind, dotted_name
from review_ls.engine.model import Finding
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.names import name_words, names_bound, names_read, nodes_within
from review_ls.rules.cost._shared import _outer_iterable, _outer_targets


_PAIRWISE_WORDS = frozenset(
    {
        "intersect", "intersects", "intersection", "intersecting", "overlap", "overlaps", "overlapping", "collide",
        "collides", "colliding", "collision", "collisions", "distance", "distances", "dist", "iou", "touches",
        "touching", "within", "near", "nearby", "adjacent", "clash", "clashes", "proximity", "separation",
        "hausdorff", "haversine", "euclidean", "norm", "hypot",
    }
)


_ORDER_PRESERVING = frozenset({"enumerate", "sorted", "list", "tuple", "reversed", "iter"})


_VIEW_METHODS = frozenset({"values", "items", "keys"})


_PAIR_GENERATORS = frozenset({"itertools.combinations", "itertools.permutations", "itertools.product"})


@dataclass(frozen=True)
class _Iteration:
    """What a loop iterates: the collection (as a comparable key), or all its pairs at once."""

    key: str
    label: str
    pairs: bool


def _collection(expr: ast.expr, ctx: Context) -> _Iteration | None:
    """The collection behind `xs`, `enumerate(xs)`, `xs[1:]`, `range(len(xs))`, `combinations(xs, 2)`."""
    if isinstance(expr, ast.Call):
        qualified = ctx.qualified_name(expr.func) or dotted_name(expr.func) or ""
        if qualified in _PAIR_GENERATORS or qualified in ("combinations", "permutations", "product"):
            return _pair_generator(expr, qualified)
        if qualified in _ORDER_PRESERVING and expr.args:
            return _collection(expr.args[0], ctx)
        if qualified == "range" and expr.args:
            length = expr.args[-1] if len(expr.args) <= 2 else None
            if isinstance(length, ast.Call) and dotted_name(length.func) == "len" and length.args:
                return _collection(length.args[0], ctx)
            return None
        if isinstance(expr.func, ast.Attribute) and expr.func.attr in _VIEW_METHODS and not expr.args:
            return _collection(expr.func.value, ctx)
        return None
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Slice):
        return _collection(expr.value, ctx)
    if isinstance(expr, (ast.Name, ast.Attribute)) and not _is_tiny(expr, ctx):
        name = dotted_name(expr)
        return _Iteration(ast.dump(expr), name or ast.unparse(expr), pairs=False) if name else None
    return None


def _pair_generator(call: ast.Call, qualified: str) -> _Iteration | None:
    """`combinations(xs, 2)`, `permutations(xs, 2)`, `product(xs, repeat=2)`, `product(xs, xs)`."""
    short = qualified.rsplit(".", 1)[-1]
    if not call.args or isinstance(call.args[0], (ast.List, ast.Tuple, ast.Set, ast.Constant)):
        return None
    collection = call.args[0]
    if short == "product":
        repeat = next((k.value for k in call.keywords if k.arg == "repeat"), None)
        same = len(call.args) == 2 and ast.dump(call.args[0]) == ast.dump(call.args[1])
        if not (same or (isinstance(repeat, ast.Constant) and repeat.value == 2)):
            return None
    else:
        size = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "r"), None)
        if not (isinstance(size, ast.Constant) and size.value == 2):
            return None
    return _Iteration(ast.dump(collection), ast.unparse(collection), pairs=True)


def _is_tiny(expr: ast.expr, ctx: Context) -> bool:
    """True for names bound at module level to a constant tuple (`CORNERS = (...)`)."""
    if isinstance(expr, ast.Name):
        binding = ctx.facts.bindings.get(expr.id)
        return binding is not None and binding.kind is BindingKind.CONSTANT
    return False


def _loop_targets(loop: ast.AST) -> set[str]:
    target = getattr(loop, "target", None)
    return names_bound(target) if target is not None else set()


def _pairwise_call(nodes: Sequence[ast.AST], first: set[str], second: set[str]) -> ast.Call | None:
    """The first call named like a pairwise predicate that reads a name from each of the two loops."""
    for node in nodes_within(nodes):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if not (name_words(name) & _PAIRWISE_WORDS):
            continue
        read = names_read(node)
        if read & first and read & second:
            return node
    return None


class PairwiseQuadraticScan(Rule):
    """RV801: every pair of a collection checked for intersection/distance/collision — O(n²)."""

    code = "RV801"
    name = "pairwise-quadratic-scan"
    applies_to = SERVICE_CODE
    message = "every pair of {collection} is checked with {predicate}(): O(n²) in the number of items"
    docs = RuleDocs(
        what="""
            Finds nested loops over the same collection — by item, by `enumerate`, by slice or by
            index (`for i in range(len(xs)): for j in range(i + 1, len(xs))`) — and
            `itertools.combinations(xs, 2)` (or `product(xs, repeat=2)`), whose body calls a pairwise
            geometric predicate on the two items: `intersects`, `overlap`, `collide`, `distance`,
            `iou`, `norm`, ... Literal and constant collections are not reported.
            """,
        why="""
            The work grows with the square of the number of items: 1,000 objects are 500,000
            checks, 10,000 are 50 million. It is fast in the demo and the bottleneck in production
            (collision checks per simulation step, deduplicating detections, matching nearby
            points), usually in the hottest loop of the program.
            """,
        fix="""
            Only compare items that can interact: a spatial index (an R-tree such as `rtree` or
            `shapely.STRtree`, a k-d tree such as `scipy.spatial.cKDTree`, a BVH or a uniform grid)
            or sort-and-sweep along one axis, then run the exact predicate on the candidate pairs.
            """,
    )
    valid = (
        """
        from shapely import STRtree

        def collisions(shapes):
            tree = STRtree(shapes)
            return [(i, j) for i, shape in enumerate(shapes) for j in tree.query(shape) if i < j]
        """,
        """
        def nearest(points, targets):
            return [min(targets, key=lambda t: distance(p, t)) for p in points]
        """,
        """
        CORNERS = ((0, 0), (0, 1), (1, 0), (1, 1))

        def diagonals():
            return [(a, b) for a in CORNERS for b in CORNERS if distance(a, b) > 1]
        """,
        """
        import itertools

        def pairs():
            return [overlap(a, b) for a, b in itertools.combinations([box1, box2, box3], 2)]
        """,
        """
        def matrix(rows):
            for a in rows:
                for b in rows:
                    print(a, b)
        """,
    )
    invalid = (
        Invalid(
            """
            def find_collisions(bodies):
                hits = []
                for a in bodies:
                    for b in bodies:
                        if a is not b and a.collides_with(b):
                            hits.append((a, b))
                return hits
            """,
            line=4,
        ),
        Invalid(
            """
            import itertools

            def suppress(boxes, threshold):
                keep = set(range(len(boxes)))
                for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
                    if iou(a, b) > threshold:
                        keep.discard(j)
                return keep
            """,
            line=5,
        ),
        Invalid(
            """
            import math

            def close_pairs(points, radius):
                found = []
                for i in range(len(points)):
                    for j in range(i + 1, len(points)):
                        if math.dist(points[i], points[j]) < radius:
                            found.append((i, j))
                return found
            """,
            line=6,
        ),
        Invalid(
            """
            def overlapping(rects):
                return [(r, s) for r in rects for s in rects[1:] if r.intersects(s)]
            """,
            line=2,
        ),
    )

    def visit_For(self, node: ast.For | ast.AsyncFor, ctx: Context) -> Iterator[Finding]:
        """Report a loop that, with an enclosing loop over the same items, checks every pair."""
        inner = _collection(node.iter, ctx)
        if inner is None:
            return
        targets = _loop_targets(node)
        if inner.pairs:
            call = _pairwise_call(node.body, targets, targets)
            if call is not None:
                yield self._report(node.iter, inner, call, ctx)
            return
        for outer_loop in reversed(ctx.loops):
            outer_iterable = _outer_iterable(outer_loop)
            outer = _collection(outer_iterable, ctx) if outer_iterable is not None else None
            if outer is None or outer.key != inner.key or outer.pairs:
                continue
            call = _pairwise_call(node.body, _outer_targets(outer_loop), targets)
            if call is not None:
                yield self._report(node.iter, inner, call, ctx)
                return

    visit_AsyncFor = visit_For

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp, ctx: Context) -> Iterator[Finding]:
        """Report pairs formed by the comprehension's own generators (or with an enclosing loop)."""
        body: list[ast.AST] = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        earlier: list[tuple[_Iteration, set[str]]] = []
        for outer_loop in ctx.loops:
            iterable = _outer_iterable(outer_loop)
            outer = _collection(iterable, ctx) if iterable is not None else None
            if outer is not None and not outer.pairs:
                earlier.append((outer, _outer_targets(outer_loop)))
        for index, generator in enumerate(node.generators):
            current = _collection(generator.iter, ctx)
            if current is None:
                continue
            targets = names_bound(generator.target)
            scope = [*body, *(i for g in node.generators[index:] for i in g.ifs)]
            if current.pairs:
                call = _pairwise_call(scope, targets, targets)
                if call is not None:
                    yield self._report(generator.iter, current, call, ctx)
                    return
                continue
            for outer, outer_targets in earlier:
                if outer.key == current.key:
                    call = _pairwise_call(scope, outer_targets, targets)
                    if call is not None:
                        yield self._report(generator.iter, current, call, ctx)
                        return
            earlier.append((current, targets))

    visit_SetComp = visit_ListComp
    visit_DictComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp

    def _report(self, at: ast.expr, iteration: _Iteration, call: ast.Call, ctx: Context) -> Finding:
        func = call.func
        predicate = func.attr if isinstance(func, ast.Attribute) else dotted_name(func) or "a pairwise check"
        label = iteration.label if len(iteration.label) <= 30 else "the collection"
        return self.report(at, ctx, collection=label, predicate=predicate)
