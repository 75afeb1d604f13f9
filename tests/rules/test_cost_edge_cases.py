"""RV8 behaviour the VALID/INVALID examples cannot express: one finding per chain or pair, signatures."""

from __future__ import annotations

import ast
import textwrap

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.fixes import fix_source
from review_ls.engine.model import Finding


def _code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _findings(source: str, select: str) -> list[tuple[int, str]]:
    result = analyse_source(source, "sim.py", Settings(select=(select,)))
    assert result.internal_errors == ()
    return [(f.span.line, f.message) for f in result.findings if f.code == select]


def test_pairs_of_two_different_collections_are_not_a_quadratic_self_scan() -> None:
    source = _code(
        """
        import itertools

        def hits(bullets, targets):
            return [(b, t) for b in bullets for t in targets if b.collides(t)]

        def self_hits(bodies):
            return [pair for pair in itertools.product(bodies, repeat=2) if collide(*pair)]
        """
    )
    assert [line for line, _ in _findings(source, "RV801")] == [7]


def test_one_pairwise_finding_per_inner_loop() -> None:
    source = _code(
        """
        def contacts(bodies):
            for a in bodies:
                for b in bodies:
                    if a.overlaps(b) or distance(a, b) < 1:
                        yield a, b
        """
    )
    findings = _findings(source, "RV801")
    assert len(findings) == 1
    assert "overlaps()" in findings[0][1]


def test_a_query_chain_is_reported_once_at_its_start() -> None:
    source = _code(
        """
        def latest(session, users):
            return [session.query(Order).filter(Order.user_id == user.id).order_by(Order.at).first() for user in users]
        """
    )
    findings = _findings(source, "RV802")
    assert len(findings) == 1
    assert findings[0][1].startswith("session.query() runs once per item of the loop (N+1 queries)")


def test_a_session_get_of_a_url_is_a_remote_call() -> None:
    source = _code(
        """
        def pages(http_session, urls):
            for url in urls:
                yield http_session.get(url).text
        """
    )
    assert "N+1 remote calls" in _findings(source, "RV802")[0][1]


def test_interval_parameter_goes_before_keyword_arguments() -> None:
    source = _code(
        """
        COLLISION_CHECK_EVERY = 1


        def run(world, steps, **options):
            for step in range(steps):
                world.step(**options)
                if step % COLLISION_CHECK_EVERY == 0:
                    world.check()
        """
    )
    fixed = fix_source(source, "sim.py", Settings(select=("RV803",))).source
    assert "def run(world, steps, collision_check_every=COLLISION_CHECK_EVERY, **options):" in fixed
    assert "if step % collision_check_every == 0:" in fixed
    ast.parse(fixed)


def test_interval_constant_other_than_one_is_quiet_and_edits_are_seen() -> None:
    template = _code(
        """
        CHECK_INTERVAL = {value}


        def run(sim, steps):
            for step in range(steps):
                if step % CHECK_INTERVAL == 0:
                    sim.check()
        """
    )
    assert _findings(template.format(value=10), "RV803") == []
    assert [line for line, _ in _findings(template.format(value=1), "RV803")] == [6]


def test_local_interval_of_one_is_reported_without_a_fix() -> None:
    source = _code(
        """
        def run(sim, steps):
            check_every = 1
            for step in range(steps):
                if step % check_every == 0:
                    sim.check()
        """
    )
    result = analyse_source(source, "sim.py", Settings(select=("RV803",)))
    assert [(f.span.line, f.fixable) for f in result.findings] == [(4, False)]


# -- RV802 through project wrappers -----------------------------------------------------------------

REPOSITORY = _code(
    """
    from sqlalchemy import select


    class ProductRepository:
        def __init__(self, session):
            self.session = session

        async def get_by_id(self, product_id):
            return await self.session.scalar(select(Product).where(Product.id == product_id))
    """
)


def _project_findings(source: str, select: tuple[str, ...] = ("RV802",)) -> list[Finding]:
    from review_ls.project import ProjectIndex

    index = ProjectIndex.from_sources({"/p/app/__init__.py": "", "/p/app/repositories.py": REPOSITORY, "/p/app/cart.py": source}, ("/p",))
    result = analyse_source(source, "/p/app/cart.py", Settings(select=select), index)
    assert result.internal_errors == ()
    return list(result.findings)


def test_rv802_wrapper_resolved_through_an_annotated_parameter_with_the_chain_as_related_locations() -> None:
    source = _code(
        """
        from app.repositories import ProductRepository

        async def prices(repository: ProductRepository, product_ids):
            result = []
            for product_id in product_ids:
                result.append((await repository.get_by_id(product_id)).price)
            return result
        """
    )
    (finding,) = _project_findings(source)
    assert finding.span.line == 6
    assert "through ProductRepository.get_by_id -> self.session.scalar" in finding.message
    assert [(r.path, r.span.line) for r in finding.related] == [("/p/app/repositories.py", 8), ("/p/app/repositories.py", 9)]


def test_rv802_wrapper_lookups_in_a_loop_get_one_finding_with_rv303_selected() -> None:
    source = _code(
        """
        from app.repositories import ProductRepository

        async def prices(repository: ProductRepository, product_ids):
            products = []
            for product_id in product_ids:
                products.append(await repository.get_by_id(product_id))
            return products
        """
    )
    assert [f.code for f in _project_findings(source, ("RV303", "RV802"))] == ["RV802"]  # a shared repository: RV303 stays quiet


def test_rv802_wrapper_with_a_session_per_item_or_a_write_per_item_is_quiet() -> None:
    per_schema = _code(
        """
        from app.repositories import ProductRepository

        async def per_tenant(product_ids, make_session):
            for product_id in product_ids:
                tenant_session = make_session(product_id)
                await ProductRepository(tenant_session).get_by_id(product_id)
        """
    )
    unit_of_work = _code(
        """
        from app.repositories import ProductRepository

        async def reprice(repository: ProductRepository, product_ids):
            for product_id in product_ids:
                await repository.reprice(product_id)
        """
    )
    assert _project_findings(per_schema) == []
    assert _project_findings(unit_of_work) == []
