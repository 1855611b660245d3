"""Categories: seed and read the taxonomy tree."""

from __future__ import annotations

from sqlmodel import Session, select

from directory.models import Taxonomy, TaxonomyTerm
from directory.permissions import Actor, require


def seed_taxonomy(session: Session, actor: Actor, tree: dict) -> int:
    """Create or update a taxonomy and its terms from a nested tree; returns terms written."""
    require(actor, "taxonomy.update")
    taxonomy = session.exec(select(Taxonomy).where(Taxonomy.name == tree["name"])).first()
    if taxonomy is None:
        taxonomy = Taxonomy(name=tree["name"])
    taxonomy.description = tree.get("description", "")
    taxonomy.version = tree.get("version")
    taxonomy.uri = tree.get("uri")
    session.add(taxonomy)
    session.flush()
    existing = {t.code: t for t in session.exec(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy_id == taxonomy.id))}
    written = 0

    def write(items: list[dict], parent: TaxonomyTerm | None) -> None:
        nonlocal written
        for item in items:
            term = existing.get(item["code"]) or TaxonomyTerm(taxonomy_id=taxonomy.id, code=item["code"])
            term.name = item["name"]
            term.description = item.get("description", "")
            term.parent_id = parent.id if parent else None
            session.add(term)  # parents are added first, so one flush inserts them first
            written += 1
            write(item.get("children", []), term)

    write(tree["terms"], None)
    session.flush()
    return written


def category_tree(session: Session) -> list[tuple[TaxonomyTerm, list[TaxonomyTerm]]]:
    """Top-level categories with their sub-categories, alphabetical."""
    terms = session.exec(select(TaxonomyTerm).order_by(TaxonomyTerm.name)).all()
    children: dict = {}
    for term in terms:
        children.setdefault(term.parent_id, []).append(term)
    return [(top, children.get(top.id, [])) for top in children.get(None, [])]
